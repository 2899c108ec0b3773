//! The service layer: every rule and every SQL statement of the helpdesk lives here, behind
//! `ssr`. The REST handlers (`src/api`) and the server functions (`app/src/server_fns`) both
//! call these functions, so validation, permissions and the audit trail are written once.
//! Service functions take a pool, the acting user and parsed input, and return `AppError`.

pub mod attachments;
pub mod backup;
pub mod cache;
pub mod credentials;
pub mod custom_fields;
pub mod customers;
pub mod db;
pub mod events;
pub mod followups;
pub mod idempotency;
pub mod mail;
pub mod merges;
pub mod password;
pub mod preconditions;
pub mod queues;
pub mod seed;
pub mod sessions;
pub mod throttle;
pub mod tickets;
pub mod time_zones;
pub mod users;
pub mod webhooks;

use crate::domain::user::CurrentUser;
use crate::error::AppError;

/// Staff-only operations start with this.
pub fn require_staff(actor: &CurrentUser) -> Result<(), AppError> {
    if actor.is_active && actor.is_staff {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Superuser-only operations start with this.
pub fn require_superuser(actor: &CurrentUser) -> Result<(), AppError> {
    if actor.is_active && actor.is_superuser {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}
