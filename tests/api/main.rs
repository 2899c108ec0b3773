//! Black-box tests: the real `helpdesk` binary on a free port with a temporary SQLite file,
//! driven over HTTP.

mod attachments;
mod authz_matrix;
mod custom_fields;
mod followups;
mod foundation;
mod helpers;
mod limits;
mod openapi;
mod queues;
mod security;
mod tickets;
mod user_tickets;
mod users;
