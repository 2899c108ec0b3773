//! Mail (issue 15): sending notifications, receiving messages, polling queue mailboxes.

pub mod imap;
pub mod mailbox;
pub mod receive;
