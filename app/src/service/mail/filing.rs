//! Filing a received message through the customer-side service (`service::customers`), with
//! its Message-ID recorded in `mail_received` in the same transaction.

use std::path::Path;

use super::receive::{Filed, Incoming, ReceiveError};
use crate::service::db::Db;

/// A public followup by the sender on `ticket`.
pub(super) async fn reply(
    _db: &Db,
    _media_root: &Path,
    _ticket: i64,
    _mail: &Incoming,
) -> Result<Filed, ReceiveError> {
    Err(ReceiveError::Other(
        "the customer service is not wired yet".to_owned(),
    ))
}

/// A new ticket in `queue` from the sender.
pub(super) async fn open(
    _db: &Db,
    _media_root: &Path,
    _queue: i64,
    _title: &str,
    _mail: &Incoming,
) -> Result<Filed, ReceiveError> {
    Err(ReceiveError::Other(
        "the customer service is not wired yet".to_owned(),
    ))
}
