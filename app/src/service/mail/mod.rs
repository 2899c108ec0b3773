//! Mail (issue 15): notifications out, tickets and replies in (piped by the MTA or polled
//! from a queue's IMAP mailbox).

mod filing;
pub mod ignore;
pub mod imap;
pub mod mailbox;
pub mod receive;
