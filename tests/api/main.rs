//! Black-box tests: the real `helpdesk` binary on a free port with a temporary SQLite file,
//! driven over HTTP.

mod custom_fields;
mod followups;
mod foundation;
mod helpers;
mod queues;
mod tickets;
mod users;
