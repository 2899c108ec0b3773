//! Black-box tests: the real `helpdesk` binary on a free port with a temporary SQLite file,
//! driven over HTTP.

mod foundation;
mod helpers;
