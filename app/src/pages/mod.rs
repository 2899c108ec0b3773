//! One module per page.

pub mod admin_config;
pub mod admin_mail_ignore;
pub mod admin_outbox;
pub mod admin_users;
pub mod admin_webhooks;
pub mod dashboard;
pub mod login;
pub mod my_tickets;
pub mod not_found;
pub mod portal;
pub mod settings_password;
pub mod ticket;
pub mod ticket_reply;
pub mod tickets;
pub mod timeline;
pub mod titled;
