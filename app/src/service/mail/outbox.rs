//! The outbox: who is mailed about what, decided and rendered in the transaction of the change
//! (`enqueue`, from `events::record`), and what superusers and the ticket page read of it.
//!
//! # Who gets what
//! Mail is decided on the followup every change writes (a comment, a status change, an
//! assignment, the audit followup of an edit, the first followup of a new ticket), once the
//! change is applied, so the ticket and the audit rows (`ticket_changes`) are as they will be
//! committed.
//! - The submitter: the ticket opened (with the portal link `/view/{id}?key=...`), each public
//!   followup, resolved (with the resolution), closed. An internal followup's text never
//!   reaches them; a status change to resolved or closed does, whatever way it was made.
//! - The assignee: the ticket assigned to them; any other followup or change, internal too.
//! - The queue's `new_ticket_cc` (new tickets) and `updated_ticket_cc` (new tickets and every
//!   later followup or change), as django-helpdesk does.
//! - Nobody about their own action: not the acting user (by id, and by address), and not the
//!   submitter for what the customer side did (`actor` None is the submitter: the portal and
//!   mail-in record customers' actions so), except the opening acknowledgement, which carries
//!   the link they need.
//! - Nobody who turned notifications off (`users.email_notifications`, matched by address for
//!   the submitter too). One message per address per change.

use std::collections::HashSet;

use sqlx::AnyConnection;

use super::templates::{self, Kind, Notice};
use crate::domain::Timestamp;
use crate::domain::email::same_email;
use crate::domain::ticket::TicketStatus;
use crate::error::AppError;
use crate::service::db::Db;
use crate::service::events::Change;

#[derive(sqlx::FromRow)]
struct FollowupRow {
    ticket: i64,
    comment: Option<String>,
    public: i64,
}

#[derive(sqlx::FromRow)]
struct TicketRow {
    title: String,
    submitter_email: Option<String>,
    assigned_to: Option<i64>,
    status: i64,
    resolution: Option<String>,
    description: String,
    secret_key: String,
    slug: String,
    queue_title: String,
    email_address: Option<String>,
    new_ticket_cc: Option<String>,
    updated_ticket_cc: Option<String>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    email: String,
    username: String,
    first_name: String,
    last_name: String,
    is_active: i64,
    email_notifications: i64,
}

impl UserRow {
    fn name(&self) -> String {
        let full = format!("{} {}", self.first_name, self.last_name);
        let full = full.trim();
        if full.is_empty() {
            self.username.clone()
        } else {
            full.to_owned()
        }
    }
}

async fn user(conn: &mut AnyConnection, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(
        "select email, username, first_name, last_name, is_active, email_notifications \
         from users where id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
}

/// Whether a user with address `email` turned notifications off.
async fn opted_out(conn: &mut AnyConnection, email: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "select count(*) from users where lower(email) = lower($1) and email_notifications = 0",
    )
    .bind(email.trim())
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// The addresses of a copy setting: comma-separated.
pub fn split_addresses(list: Option<&str>) -> Vec<String> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One message to write.
struct Planned {
    to: String,
    kind: Kind,
    /// The submitter's view (portal link, public text only) or staff's.
    customer: bool,
}

/// Writes the notifications of `change` (event `event`, by `actor`) to the outbox, in the
/// caller's transaction. Only a new followup mails anyone (see the module notes).
///
/// # Errors
/// The database error (the caller rolls back: a change never commits without its mail).
pub(crate) async fn enqueue(
    conn: &mut AnyConnection,
    settings: &super::MailSettings,
    event: i64,
    actor: Option<i64>,
    change: Change<'_>,
) -> Result<(), AppError> {
    let Change::FollowupCreated(followup) = change else {
        return Ok(());
    };
    let Some(f): Option<FollowupRow> =
        sqlx::query_as("select ticket, comment, public from followups where id = $1")
            .bind(followup)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(());
    };
    let tid = f.ticket;
    let Some(t): Option<TicketRow> = sqlx::query_as(
        "select t.title, t.submitter_email, t.assigned_to, t.status, t.resolution, \
         t.description, t.secret_key, q.slug, q.title as queue_title, q.email_address, \
         q.new_ticket_cc, q.updated_ticket_cc \
         from tickets t join queues q on q.id = t.queue where t.id = $1",
    )
    .bind(tid)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(());
    };
    let earlier: i64 =
        sqlx::query_scalar("select count(*) from followups where ticket = $1 and id < $2")
            .bind(tid)
            .bind(followup)
            .fetch_one(&mut *conn)
            .await?;
    let opened = earlier == 0;
    let changes: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "select field, old_value, new_value from ticket_changes where followup = $1 order by id",
    )
    .bind(followup)
    .fetch_all(&mut *conn)
    .await?;
    let acting = match actor {
        Some(id) => user(conn, id).await?,
        None => None,
    };
    let actor_email = acting.as_ref().map(|u| u.email.clone()).unwrap_or_default();
    let by_actor = |address: &str| same_email(address, &actor_email);
    let new_status = changes
        .iter()
        .find(|(field, _, _)| field == "status")
        .and_then(|(_, _, new)| new.as_deref()?.parse::<i64>().ok())
        .and_then(TicketStatus::from_i64);
    let newly_assigned = changes
        .iter()
        .any(|(field, _, new)| field == "assigned_to" && new.is_some());
    let comment = f
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let public = f.public != 0;

    let mut plan: Vec<Planned> = Vec::new();
    // The assignee first: when they are also the submitter or a copy address, they get the
    // staff message.
    if let Some(assignee) = t.assigned_to
        && actor != Some(assignee)
        && let Some(u) = user(conn, assignee).await?
        && u.is_active != 0
        && u.email_notifications != 0
        && !u.email.trim().is_empty()
        && !by_actor(&u.email)
    {
        let kind = if opened || newly_assigned {
            Kind::Assigned
        } else {
            Kind::Updated
        };
        plan.push(Planned {
            to: u.email.trim().to_owned(),
            kind,
            customer: false,
        });
    }
    if let Some(submitter) = t.submitter_email.as_deref().map(str::trim)
        && !submitter.is_empty()
        && !by_actor(submitter)
        && (opened || actor.is_some())
        && !opted_out(conn, submitter).await?
    {
        let kind = if opened {
            Some(Kind::Opened)
        } else if new_status == Some(TicketStatus::Resolved) {
            Some(Kind::Resolved)
        } else if new_status == Some(TicketStatus::Closed) {
            Some(Kind::Closed)
        } else if public && comment.is_some() {
            Some(Kind::Followup)
        } else {
            None
        };
        if let Some(kind) = kind {
            plan.push(Planned {
                to: submitter.to_owned(),
                kind,
                customer: true,
            });
        }
    }
    let mut copies = if opened {
        split_addresses(t.new_ticket_cc.as_deref())
    } else {
        Vec::new()
    };
    copies.extend(split_addresses(t.updated_ticket_cc.as_deref()));
    for cc in copies {
        if !by_actor(&cc) {
            plan.push(Planned {
                to: cc,
                kind: if opened {
                    Kind::NewTicket
                } else {
                    Kind::Updated
                },
                customer: false,
            });
        }
    }
    let mut seen = HashSet::new();
    plan.retain(|p| seen.insert(p.to.to_ascii_lowercase()));
    if plan.is_empty() {
        return Ok(());
    }

    let from = t
        .email_address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or(&settings.default_from)
        .to_owned();
    let domain = from
        .rsplit_once('@')
        .map_or("localhost", |(_, d)| d.trim_end_matches('>'))
        .to_owned();
    let root = thread_root(conn, tid).await?;
    let actor_name = match (&acting, actor) {
        (Some(u), _) => u.name(),
        (None, Some(_)) => "someone".to_owned(),
        (None, None) => t
            .submitter_email
            .clone()
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| "the customer".to_owned()),
    };
    let status = TicketStatus::from_i64(t.status).map_or("", TicketStatus::label);
    let mut staff_changes = Vec::new();
    for (field, old, new) in &changes {
        staff_changes.push((
            field.replace('_', " "),
            in_words(conn, field, old.as_deref()).await?,
            in_words(conn, field, new.as_deref()).await?,
        ));
    }
    let now = Timestamp::now().to_db();
    for p in plan {
        let customer_view = p.customer;
        let link = if customer_view {
            format!("{}/view/{tid}?key={}", settings.base_url, t.secret_key)
        } else {
            format!("{}/tickets/{tid}", settings.base_url)
        };
        let shows_description = matches!(p.kind, Kind::Opened | Kind::NewTicket)
            || (opened && p.kind == Kind::Assigned);
        let notice = Notice {
            tag: templates::tag(&t.slug, tid),
            ticket_id: tid,
            title: t.title.clone(),
            queue: t.queue_title.clone(),
            status: status.to_owned(),
            link,
            actor: actor_name.clone(),
            comment: if opened {
                None
            } else if customer_view {
                comment.clone().filter(|_| public)
            } else {
                comment.clone()
            },
            internal: !customer_view && !public,
            description: shows_description
                .then(|| t.description.trim().to_owned())
                .filter(|d| !d.is_empty()),
            resolution: (p.kind == Kind::Resolved)
                .then(|| t.resolution.clone())
                .flatten()
                .filter(|r| !r.trim().is_empty()),
            changes: if customer_view {
                Vec::new()
            } else {
                staff_changes.clone()
            },
        };
        let r = templates::render(p.kind, &notice);
        let message_id = format!("<{tid}.{}@{domain}>", random_hex());
        sqlx::query(
            "insert into mail_outbox (ticket, followup, event, kind, recipient, from_address, \
             subject, message_id, in_reply_to, references_hdr, body_text, body_html, status, \
             attempts, next_attempt_at, created) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', 0, $13, $14)",
        )
        .bind(tid)
        .bind(followup)
        .bind(event)
        .bind(p.kind.as_str())
        .bind(&p.to)
        .bind(&from)
        .bind(&r.subject)
        .bind(&message_id)
        .bind(&root)
        .bind(&root)
        .bind(&r.text)
        .bind(&r.html)
        .bind(&now)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The Message-ID the ticket's thread hangs on: the message that opened it when it came by
/// mail, else the first message the helpdesk sent about it (`None` before any).
async fn thread_root(conn: &mut AnyConnection, ticket: i64) -> Result<Option<String>, sqlx::Error> {
    let first: Option<Option<String>> = sqlx::query_scalar(
        "select message_id from followups where ticket = $1 order by id limit 1",
    )
    .bind(ticket)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = first
        .flatten()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
    {
        return Ok(Some(if id.starts_with('<') {
            id
        } else {
            format!("<{id}>")
        }));
    }
    sqlx::query_scalar("select message_id from mail_outbox where ticket = $1 order by id limit 1")
        .bind(ticket)
        .fetch_optional(&mut *conn)
        .await
}

/// An audit value as staff read it: statuses by name, users by username.
async fn in_words(
    conn: &mut AnyConnection,
    field: &str,
    value: Option<&str>,
) -> Result<String, sqlx::Error> {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return Ok("(none)".to_owned());
    };
    let n = v.parse::<i64>().ok();
    Ok(match (field, n) {
        ("status", Some(n)) => {
            TicketStatus::from_i64(n).map_or_else(|| v.to_owned(), |s| s.label().to_owned())
        }
        ("assigned_to", Some(id)) => user(conn, id)
            .await?
            .map_or_else(|| format!("user {id}"), |u| u.username),
        _ => {
            let short: String = v.chars().take(200).collect();
            if short.len() < v.len() {
                format!("{short}…")
            } else {
                short
            }
        }
    })
}

fn random_hex() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One outbox message as superusers and the ticket page see it (never its body).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub ticket: i64,
    pub followup: Option<i64>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_error: String,
    pub smtp_code: Option<i64>,
    pub sent_at: Option<String>,
    pub created: String,
}

const COLUMNS: &str = "id, ticket, followup, kind, recipient, subject, message_id, status, attempts, \
    next_attempt_at, last_attempt_at, last_error, smtp_code, sent_at, created";

/// Messages by status (`pending`, `sent`, `failed`; all when `None`), newest first, a page of
/// `per_page` from `offset`; and how many there are.
///
/// # Errors
/// `Internal` on a database failure.
pub async fn list(
    db: &Db,
    status: Option<&str>,
    offset: i64,
    per_page: i64,
) -> Result<(i64, Vec<OutboxRow>), AppError> {
    let count: i64 =
        sqlx::query_scalar("select count(*) from mail_outbox where $1 = '' or status = $1")
            .bind(status.unwrap_or(""))
            .fetch_one(db)
            .await?;
    let rows = sqlx::query_as::<_, OutboxRow>(&format!(
        "select {COLUMNS} from mail_outbox where $1 = '' or status = $1 \
         order by id desc limit $2 offset $3"
    ))
    .bind(status.unwrap_or(""))
    .bind(per_page)
    .bind(offset)
    .fetch_all(db)
    .await?;
    Ok((count, rows))
}

/// How many messages are in each status: (pending, sent, failed).
///
/// # Errors
/// `Internal` on a database failure.
pub async fn counts(db: &Db) -> Result<(i64, i64, i64), AppError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("select status, count(*) from mail_outbox group by status")
            .fetch_all(db)
            .await?;
    let get = |s: &str| rows.iter().find(|r| r.0 == s).map_or(0, |r| r.1);
    Ok((get("pending"), get("sent"), get("failed")))
}

/// The messages about ticket `ticket` that could not be delivered, oldest first: the ticket's
/// timeline shows them.
///
/// # Errors
/// `Internal` on a database failure.
pub async fn failed_for_ticket(db: &Db, ticket: i64) -> Result<Vec<OutboxRow>, AppError> {
    Ok(sqlx::query_as::<_, OutboxRow>(&format!(
        "select {COLUMNS} from mail_outbox where ticket = $1 and status = 'failed' order by id"
    ))
    .bind(ticket)
    .fetch_all(db)
    .await?)
}
