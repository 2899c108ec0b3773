//! Server functions for mail (issue 15): the superusers' outbox page and the dashboard's note.

use leptos::prelude::*;

use crate::domain::mail::{MailState, OutboxPage};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::context::{pool, require_user, respond};

/// Messages per outbox page.
pub const PER_PAGE: i64 = 50;

/// A page (from 1) of the outbox with status `status` (pending, sent, failed; "" for all).
#[server(prefix = "/sfn", endpoint = "mail_outbox")]
pub async fn mail_outbox(status: String, page: i64) -> Result<OutboxPage, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::require_superuser(&actor)?;
            let status = status.trim();
            let filter = match status {
                "" => None,
                "pending" | "sent" | "failed" => Some(status),
                _ => {
                    return Err(AppError::field("status", "Choose pending, sent or failed."));
                }
            };
            let page = page.max(1);
            let (count, rows) = crate::service::mail::outbox::list(
                &pool,
                filter,
                (page - 1).saturating_mul(PER_PAGE),
                PER_PAGE,
            )
            .await?;
            let (pending, sent, failed) = crate::service::mail::outbox::counts(&pool).await?;
            let time = |s: Option<String>| s.as_deref().and_then(crate::domain::Timestamp::from_db);
            Ok(OutboxPage {
                messages: rows
                    .into_iter()
                    .map(|r| crate::domain::mail::OutboxMessage {
                        id: r.id,
                        ticket: r.ticket,
                        kind: r.kind,
                        recipient: r.recipient,
                        subject: r.subject,
                        message_id: r.message_id,
                        status: r.status,
                        attempts: r.attempts,
                        next_attempt_at: time(r.next_attempt_at),
                        last_attempt_at: time(r.last_attempt_at),
                        last_error: r.last_error,
                        smtp_code: r.smtp_code,
                        sent_at: time(r.sent_at),
                        created: time(Some(r.created)),
                    })
                    .collect(),
                count,
                page,
                per_page: PER_PAGE,
                pending,
                sent,
                failed,
                sending: pool.mail().sending,
            })
        }
        .await,
    )
}

/// For superusers: whether mail is sent, and how much waits or failed. Others get the
/// default (nothing to say).
#[server(prefix = "/sfn", endpoint = "mail_status")]
pub async fn mail_status() -> Result<MailState, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            if !actor.is_superuser {
                return Ok(MailState {
                    sending: true,
                    ..MailState::default()
                });
            }
            let (pending, _, failed) = crate::service::mail::outbox::counts(&pool).await?;
            Ok(MailState {
                sending: pool.mail().sending,
                pending,
                failed,
            })
        }
        .await,
    )
}
