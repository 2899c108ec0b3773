//! Black-box tests: the real `helpdesk` binary on a free port with a temporary SQLite file (or
//! a fresh PostgreSQL database when `HELPDESK_TEST_PG` is set, see helpers.rs),
//! driven over HTTP.

mod attachment_store;
mod attachments;
mod authz_matrix;
mod backup;
mod caching;
mod changes;
mod concurrency;
mod conditional;
mod crash;
mod csrf;
mod custom_fields;
mod deletion;
mod followups;
mod foundation;
mod hardening;
mod helpers;
mod idempotency;
mod limits;
mod load;
mod mail_imap;
mod mail_out;
mod mail_receive;
mod openapi;
mod portal;
mod queues;
mod request_log;
mod scale_out;
mod search;
mod security;
mod shutdown;
mod signin;
mod tickets;
mod time_zones;
mod user_tickets;
mod users;
mod web;
mod webhooks;
