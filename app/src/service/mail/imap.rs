//! Polling queue mailboxes over IMAP (issue 15). Every enabled mailbox is polled at its
//! interval: its unseen messages are fetched (`BODY.PEEK[]`, so a message that is not filed
//! stays unseen) and each is handed to [`receive::file`]. Then:
//! - filed, ignored or a duplicate: marked `\Seen` and moved to the done folder (or deleted),
//!   with `MOVE` where the server has it, else `COPY` + `\Deleted` + `EXPUNGE`;
//! - never fileable ([`ReceiveError::Unparsable`]): moved to `helpdesk-failed` (created when
//!   missing), the reason logged;
//! - busy or another passing failure: left as it is, and tried again at the next poll.
//!
//! With several servers on one database, a mailbox is leased before it is polled: the poll
//! claims it by moving `lease_until` into the future in a write that only succeeds when the
//! last lease (or the wait until the next poll, kept in the same column) is over. A server
//! killed mid-poll lets another take over after [`LEASE`]. A message filed whose move failed
//! is fetched again by the next poll; mail-in files a `Message-ID` once, so it is then only
//! moved.
//!
//! TLS is rustls with the system's CA roots, plus the PEM roots of `HELPDESK_IMAP_CA_FILE`
//! when set (a private CA, the tests' server). The password is never logged; IMAP errors are
//! scrubbed of it before they are logged or recorded in `last_error`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use super::receive::{self, Filed, ReceiveError};
use crate::domain::Timestamp;
use crate::domain::mailbox::{AFTER_DELETE, FAILED_FOLDER, SECURITY_STARTTLS};
use crate::error::AppError;
use crate::service::db::Db;

/// How long a claimed mailbox stays with the server that claimed it.
pub const LEASE: Duration = Duration::from_secs(300);
/// A poll gives up after this (well inside the lease).
const POLL_TIMEOUT: Duration = Duration::from_secs(240);
/// Connecting (TCP and TLS) gives up after this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Messages filed per poll at most; the rest wait for the next poll.
const BATCH: usize = 50;
/// How often the worker looks for due mailboxes.
const TICK: Duration = Duration::from_secs(1);
/// The longest `last_error` kept.
const MAX_ERROR: usize = 500;

/// The TLS client configuration: the system's roots, and the PEM certificates of `ca_file`.
///
/// # Errors
/// A message naming the file when it cannot be read or holds no certificate.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::warn!(error = %e, "reading the system's CA certificates");
    }
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read HELPDESK_IMAP_CA_FILE {}: {e}", path.display()))?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert
                .map_err(|e| format!("HELPDESK_IMAP_CA_FILE {}: bad PEM: {e}", path.display()))?;
            roots.add(cert).map_err(|e| {
                format!(
                    "HELPDESK_IMAP_CA_FILE {}: bad certificate: {e}",
                    path.display()
                )
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(format!(
                "HELPDESK_IMAP_CA_FILE {}: no certificate in it",
                path.display()
            ));
        }
    }
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Arc::new(config))
}

/// One mailbox to poll, with its password (read here only).
#[derive(sqlx::FromRow, Clone)]
struct Mailbox {
    queue: i64,
    slug: String,
    host: String,
    port: i64,
    security: String,
    username: String,
    password: String,
    folder: String,
    after_filing: String,
    done_folder: String,
    poll_seconds: i64,
}

/// Runs until the process ends: polls every enabled mailbox when it is due.
pub async fn run(db: Db, media_root: PathBuf, tls: Arc<ClientConfig>) {
    let tls = TlsConnector::from(tls);
    loop {
        match claim_due(&db).await {
            Ok(claimed) => {
                for (mailbox, lease) in claimed {
                    let (db, media_root, tls) = (db.clone(), media_root.clone(), tls.clone());
                    tokio::spawn(async move {
                        let queue = mailbox.queue;
                        let outcome = tokio::time::timeout(
                            POLL_TIMEOUT,
                            poll(&db, &media_root, &tls, &mailbox),
                        )
                        .await
                        .unwrap_or_else(|_| Err("the poll timed out".to_owned()));
                        let error = match outcome {
                            Ok(note) => note,
                            Err(e) => {
                                let e = scrub(&e, &mailbox.password);
                                tracing::warn!(queue, host = %mailbox.host, error = %e, "polling the queue's mailbox failed");
                                e
                            }
                        };
                        if let Err(e) = finish(&db, &mailbox, &lease, &error).await {
                            tracing::warn!(queue, error = %e, "recording a mailbox poll failed");
                        }
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "looking for mailboxes to poll failed"),
        }
        tokio::time::sleep(TICK).await;
    }
}

const SELECT: &str = "select m.queue, q.slug, m.host, m.port, m.security, m.username, \
     m.password, m.folder, m.after_filing, m.done_folder, m.poll_seconds \
     from queue_mailboxes m join queues q on q.id = m.queue \
     where m.enabled = 1 and (m.lease_until is null or m.lease_until <= $1)";

/// The due mailboxes, each leased to this server in a write of its own (the one whose lease
/// another server took first is left out). Answers each with the lease it holds.
async fn claim_due(db: &Db) -> Result<Vec<(Mailbox, String)>, AppError> {
    let now = Timestamp::now();
    // A plain read first: asked every second, and usually nothing is due.
    let due: Vec<Mailbox> = sqlx::query_as(SELECT)
        .bind(now.to_db())
        .fetch_all(db)
        .await?;
    let mut claimed = Vec::new();
    for m in due {
        let lease = after(now, LEASE);
        let mut tx = crate::service::db::begin_write(db).await?;
        let done = sqlx::query(
            "update queue_mailboxes set lease_until = $1 where queue = $2 and enabled = 1 \
             and (lease_until is null or lease_until <= $3)",
        )
        .bind(lease.as_str())
        .bind(m.queue)
        .bind(now.to_db())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if done.rows_affected() == 1 {
            claimed.push((m, lease));
        }
    }
    Ok(claimed)
}

fn after(t: Timestamp, d: Duration) -> String {
    Timestamp::from_utc(t.inner() + chrono::Duration::from_std(d).unwrap_or_default()).to_db()
}

/// Records a poll: its time, its error ('' for none) and when the next one is due; only while
/// this server still holds the lease (saved settings drop it, to be polled at once).
async fn finish(db: &Db, m: &Mailbox, lease: &str, error: &str) -> Result<(), AppError> {
    let now = Timestamp::now();
    let next = after(
        now,
        Duration::from_secs(u64::try_from(m.poll_seconds).unwrap_or(60)),
    );
    let error: String = error.chars().take(MAX_ERROR).collect();
    let mut tx = crate::service::db::begin_write(db).await?;
    sqlx::query(
        "update queue_mailboxes set lease_until = $1, last_poll_at = $2, last_error = $3 \
         where queue = $4 and lease_until = $5",
    )
    .bind(next)
    .bind(now.to_db())
    .bind(error)
    .bind(m.queue)
    .bind(lease)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The password out of a message (servers may echo what they were sent).
fn scrub(message: &str, password: &str) -> String {
    if password.is_empty() {
        message.to_owned()
    } else {
        message.replace(password, "***")
    }
}

type Imap = Session<TlsStream<TcpStream>>;

async fn connect(tls: &TlsConnector, m: &Mailbox) -> Result<Imap, String> {
    let port = u16::try_from(m.port).map_err(|_| format!("bad port {}", m.port))?;
    let name = ServerName::try_from(m.host.clone())
        .map_err(|_| format!("{} is not a valid host name", m.host))?;
    let where_ = format!("{}:{port}", m.host);
    let client = tokio::time::timeout(CONNECT_TIMEOUT, async {
        let tcp = TcpStream::connect((m.host.as_str(), port))
            .await
            .map_err(|e| format!("cannot connect to {where_}: {e}"))?;
        let tcp = if m.security == SECURITY_STARTTLS {
            let mut plain = Client::new(tcp);
            greeting(&mut plain).await?;
            plain
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| format!("STARTTLS refused by {where_}: {e}"))?;
            plain.into_inner()
        } else {
            tcp
        };
        let stream = tls
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {where_} failed: {e}"))?;
        let mut client = Client::new(stream);
        if m.security != SECURITY_STARTTLS {
            greeting(&mut client).await?;
        }
        Ok::<_, String>(client)
    })
    .await
    .map_err(|_| format!("connecting to {where_} timed out"))??;
    client
        .login(&m.username, &m.password)
        .await
        .map_err(|(e, _)| format!("login as {} refused: {e}", m.username))
}

async fn greeting<T>(client: &mut Client<T>) -> Result<(), String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("the server closed the connection before its greeting".to_owned()),
        Err(e) => Err(format!("reading the server's greeting: {e}")),
    }
}

/// One poll of one mailbox. Answers a note for `last_error` ('' when every message was dealt
/// with), or the error that stopped it.
async fn poll(
    db: &Db,
    media_root: &Path,
    tls: &TlsConnector,
    m: &Mailbox,
) -> Result<String, String> {
    let mut s = connect(tls, m).await?;
    let caps = s.capabilities().await.map_err(|e| e.to_string())?;
    let can_move = caps.has_str("MOVE");
    s.select(&m.folder)
        .await
        .map_err(|e| format!("cannot open folder {}: {e}", m.folder))?;
    let mut uids: Vec<u32> = s
        .uid_search("UNSEEN")
        .await
        .map_err(|e| format!("searching {}: {e}", m.folder))?
        .into_iter()
        .collect();
    uids.sort_unstable();
    let mut folders = HashSet::new();
    let mut note = String::new();
    let mut expunge = false;
    for uid in uids.into_iter().take(BATCH) {
        let raw = {
            let fetches: Vec<_> = s
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await
                .map_err(|e| format!("fetching message {uid}: {e}"))?
                .try_collect()
                .await
                .map_err(|e| format!("fetching message {uid}: {e}"))?;
            fetches
                .iter()
                .find(|f| f.uid == Some(uid) || f.uid.is_none())
                .and_then(|f| f.body().map(<[u8]>::to_vec))
        };
        let Some(raw) = raw else {
            // Expunged by someone else since the search.
            continue;
        };
        match receive::file(db, media_root, &m.slug, &raw).await {
            Ok(filed) => {
                match &filed {
                    Filed::Ticket(ticket) => {
                        tracing::info!(queue = m.queue, uid, ticket, "mail filed as a new ticket");
                    }
                    Filed::Followup { ticket, .. } => {
                        tracing::info!(queue = m.queue, uid, ticket, "mail filed as a followup");
                    }
                    Filed::Ignored(reason) => {
                        tracing::info!(queue = m.queue, uid, reason = %reason, "mail ignored");
                    }
                    Filed::Duplicate => tracing::info!(queue = m.queue, uid, "mail already filed"),
                }
                if m.after_filing == AFTER_DELETE {
                    store(&mut s, uid, "+FLAGS.SILENT (\\Seen \\Deleted)").await?;
                    expunge = true;
                } else {
                    store(&mut s, uid, "+FLAGS.SILENT (\\Seen)").await?;
                    expunge |= move_to(&mut s, uid, &m.done_folder, can_move, &mut folders).await?;
                }
            }
            Err(ReceiveError::Unparsable(reason)) => {
                tracing::warn!(queue = m.queue, uid, reason = %reason, "mail that can never be filed: moved to {FAILED_FOLDER}");
                store(&mut s, uid, "+FLAGS.SILENT (\\Seen)").await?;
                expunge |= move_to(&mut s, uid, FAILED_FOLDER, can_move, &mut folders).await?;
            }
            Err(ReceiveError::Busy) => {
                tracing::info!(
                    queue = m.queue,
                    uid,
                    "database busy: mail left for the next poll"
                );
                note = "The database was busy; messages left for the next poll.".to_owned();
                break;
            }
            Err(ReceiveError::Other(reason)) => {
                tracing::warn!(queue = m.queue, uid, reason = %reason, "filing mail failed: left for the next poll");
                note = format!(
                    "A message could not be filed yet (tried again at the next poll): {reason}"
                );
            }
        }
    }
    if expunge {
        s.expunge()
            .await
            .map_err(|e| format!("expunge: {e}"))?
            .try_collect::<Vec<_>>()
            .await
            .map_err(|e| format!("expunge: {e}"))?;
    }
    // The work is done; a failed goodbye changes nothing.
    let _ = s.logout().await;
    Ok(note)
}

async fn store(s: &mut Imap, uid: u32, flags: &str) -> Result<(), String> {
    s.uid_store(uid.to_string(), flags)
        .await
        .map_err(|e| format!("flagging message {uid}: {e}"))?
        .try_collect::<Vec<_>>()
        .await
        .map_err(|e| format!("flagging message {uid}: {e}"))?;
    Ok(())
}

/// Moves a message to `folder` (created first when missing). Answers whether an `EXPUNGE`
/// is still needed (no `MOVE`: copied and flagged deleted).
async fn move_to(
    s: &mut Imap,
    uid: u32,
    folder: &str,
    can_move: bool,
    known: &mut HashSet<String>,
) -> Result<bool, String> {
    if !known.contains(folder) {
        let pattern = quote(folder);
        let exists = !s
            .list(None, Some(pattern.as_str()))
            .await
            .map_err(|e| format!("listing folder {folder}: {e}"))?
            .try_collect::<Vec<_>>()
            .await
            .map_err(|e| format!("listing folder {folder}: {e}"))?
            .is_empty();
        if !exists {
            s.create(folder)
                .await
                .map_err(|e| format!("creating folder {folder}: {e}"))?;
            tracing::info!(folder, "created the mail folder");
        }
        known.insert(folder.to_owned());
    }
    if can_move {
        s.uid_mv(uid.to_string(), folder)
            .await
            .map_err(|e| format!("moving message {uid} to {folder}: {e}"))?;
        Ok(false)
    } else {
        s.uid_copy(uid.to_string(), folder)
            .await
            .map_err(|e| format!("copying message {uid} to {folder}: {e}"))?;
        store(s, uid, "+FLAGS.SILENT (\\Deleted)").await?;
        Ok(true)
    }
}

/// An IMAP quoted string (the LIST pattern is sent as given).
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_password_is_scrubbed_from_errors() {
        assert_eq!(
            super::scrub("NO [AUTH] bad pw s3cret", "s3cret"),
            "NO [AUTH] bad pw ***"
        );
        assert_eq!(super::scrub("x", ""), "x");
    }

    #[test]
    fn folder_names_are_quoted() {
        assert_eq!(super::quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
