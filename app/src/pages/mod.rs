//! One module per page.

pub mod admin_users;
pub mod dashboard;
pub mod login;
pub mod not_found;
pub mod settings_password;
