//! Filing a received message through the customer-side service (`service::customers`), so a
//! mailed ticket or reply is written, evented and notified like any other customer's, and
//! recording its Message-ID so a second delivery is not filed again.
//!
//! # Filed once
//! The filing writes the message's id on its followup (`followups.message_id`) in the filing's
//! own transaction: a message whose id is on a followup was filed, whatever happened after.
//! Before filing, a receiver claims the id in `mail_received` (its primary key lets one
//! receiver in); after, it records the ticket and followup there. A receiver that finds the id
//! claimed but not recorded looks for the followup: found, the message was filed (the earlier
//! receiver died before recording it); not found, another receiver is filing it right now
//! (answer `Busy`: the MTA or the poller tries again later) or died before filing (its claim is
//! older than `STALE_CLAIM`: take it over).

use std::path::Path;

use super::receive::{Filed, Incoming, ReceiveError};
use crate::domain::Timestamp;
use crate::service::customers::{self, CustomerReply, NewCustomerTicket};
use crate::service::db::Db;

/// A claim this old belongs to a receiver that died: nobody files one message for so long.
const STALE_CLAIM: chrono::Duration = chrono::Duration::minutes(10);

/// What the claim on a Message-ID found.
enum Claim {
    /// This receiver files the message.
    Ours,
    /// The message was filed before.
    Filed,
}

/// The comment of a message without text (a reply that is only an attachment).
const NO_TEXT: &str = "(The message had no text.)";

/// A public followup by the sender on `ticket`.
pub(super) async fn reply(
    db: &Db,
    media_root: &Path,
    ticket: i64,
    mail: &Incoming,
) -> Result<Filed, ReceiveError> {
    once(db, mail, async {
        let reply = CustomerReply {
            // As django-helpdesk titles them; the timeline has no account to name.
            title: format!("E-mail from {}", mail.sender),
            comment: text_of(mail),
            files: mail.files.clone(),
            message_id: mail.message_id.as_deref().map(header_form),
        };
        let followup = customers::reply(db, media_root, ticket, reply).await?;
        Ok(Filed::Followup { ticket, followup })
    })
    .await
}

/// A new ticket in `queue` from the sender.
pub(super) async fn open(
    db: &Db,
    media_root: &Path,
    queue: i64,
    title: &str,
    mail: &Incoming,
) -> Result<Filed, ReceiveError> {
    once(db, mail, async {
        let new = NewCustomerTicket {
            queue,
            title: title.to_owned(),
            description: mail.body.clone(),
            email: mail.sender.clone(),
            custom: Vec::new(),
            files: mail.files.clone(),
            message_id: mail.message_id.as_deref().map(header_form),
        };
        let opened = customers::open_ticket(db, media_root, new).await?;
        Ok(Filed::Ticket(opened.id))
    })
    .await
}

fn text_of(mail: &Incoming) -> String {
    if mail.body.trim().is_empty() && mail.files.is_empty() {
        NO_TEXT.to_owned()
    } else {
        mail.body.clone()
    }
}

/// `<id>`: the form of the header, as the followup keeps it (django-helpdesk does too).
fn header_form(id: &str) -> String {
    format!("<{id}>")
}

/// Runs `filing` once per Message-ID (see the module's comment); a message without one is
/// filed each time.
async fn once(
    db: &Db,
    mail: &Incoming,
    filing: impl std::future::Future<Output = Result<Filed, ReceiveError>>,
) -> Result<Filed, ReceiveError> {
    let Some(id) = mail.message_id.as_deref() else {
        return filing.await;
    };
    match claim(db, id).await? {
        Claim::Filed => return Ok(Filed::Duplicate),
        Claim::Ours => {}
    }
    let filed = match filing.await {
        Ok(filed) => filed,
        Err(e) => {
            // Not filed: let the next delivery file it at once.
            if let Err(why) = release(db, id).await {
                tracing::warn!(error = %why, "cannot release the claim on a Message-ID");
            }
            return Err(e);
        }
    };
    let made = match &filed {
        Filed::Ticket(t) => Some((*t, None)),
        Filed::Followup { ticket, followup } => Some((*ticket, Some(*followup))),
        Filed::Ignored(_) | Filed::Duplicate => None,
    };
    match made {
        // Filed for sure (the followup carries the id); the record only saves a later
        // delivery the look-up.
        Some((ticket, followup)) => {
            if let Err(e) = record(db, id, ticket, followup).await {
                tracing::warn!(error = %e, "cannot record a filed Message-ID");
            }
        }
        None => {
            if let Err(why) = release(db, id).await {
                tracing::warn!(error = %why, "cannot release the claim on a Message-ID");
            }
        }
    }
    Ok(filed)
}

async fn claim(db: &Db, id: &str) -> Result<Claim, ReceiveError> {
    let now = Timestamp::now();
    let mut tx = crate::service::db::begin_write(db).await?;
    let row: Option<(Option<i64>, String)> =
        sqlx::query_as("select ticket, received from mail_received where message_id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let claim = match row {
        None => {
            sqlx::query("insert into mail_received (message_id, received) values ($1, $2)")
                .bind(id)
                .bind(now.to_db())
                .execute(&mut *tx)
                .await?;
            Claim::Ours
        }
        Some((Some(_), _)) => Claim::Filed,
        Some((None, since)) => {
            let found: Option<(i64, i64)> = sqlx::query_as(
                "select ticket, id from followups where message_id = $1 or message_id = $2 \
                 order by id limit 1",
            )
            .bind(id)
            .bind(header_form(id))
            .fetch_optional(&mut *tx)
            .await?;
            let stale = Timestamp::from_utc(chrono::Utc::now() - STALE_CLAIM).to_db();
            match found {
                Some((ticket, followup)) => {
                    sqlx::query(
                        "update mail_received set ticket = $2, followup = $3 \
                         where message_id = $1",
                    )
                    .bind(id)
                    .bind(ticket)
                    .bind(followup)
                    .execute(&mut *tx)
                    .await?;
                    Claim::Filed
                }
                None if since < stale => {
                    tracing::warn!(message_id = id, "taking over a stale claim");
                    sqlx::query("update mail_received set received = $2 where message_id = $1")
                        .bind(id)
                        .bind(now.to_db())
                        .execute(&mut *tx)
                        .await?;
                    Claim::Ours
                }
                None => {
                    tracing::info!(message_id = id, "being filed by another receiver");
                    return Err(ReceiveError::Busy);
                }
            }
        }
    };
    tx.commit_alone().await?;
    Ok(claim)
}

async fn record(db: &Db, id: &str, ticket: i64, followup: Option<i64>) -> Result<(), sqlx::Error> {
    let mut tx = crate::service::db::begin_write(db).await?;
    sqlx::query("update mail_received set ticket = $2, followup = $3 where message_id = $1")
        .bind(id)
        .bind(ticket)
        .bind(followup)
        .execute(&mut *tx)
        .await?;
    tx.commit_alone().await
}

async fn release(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    let mut tx = crate::service::db::begin_write(db).await?;
    sqlx::query("delete from mail_received where message_id = $1 and ticket is null")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit_alone().await
}
