//! Demo and benchmark data: queues, agents, custom fields and N tickets with a realistic
//! spread of followups, changes, custom values and attachments. Used by `helpdesk seed`
//! (and so by `bench/run.sh`); it runs with the operator's authority, not a user's.

use std::path::Path;

use crate::service::db::Db;

use super::attachments::{AttachmentStore, ticket_folder};
use super::password::hash_password;
use crate::domain::Timestamp;
use crate::error::AppError;

/// What `seed` made.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub tickets: i64,
    pub followups: i64,
    pub changes: i64,
    pub custom_values: i64,
    pub attachments: i64,
}

const WORDS: &[&str] = &[
    "printer", "email", "password", "laptop", "vpn", "invoice", "refund", "login", "screen",
    "network", "license", "update", "backup", "phone", "account", "server", "slow", "crash",
    "error", "access", "report", "billing", "order", "delivery", "keyboard", "wifi",
];

/// A small deterministic generator (xorshift), so that two runs seed the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len() as u64) as usize]
    }
}

fn io_error(e: std::io::Error) -> AppError {
    tracing::error!(error = %e, "seed could not write an attachment");
    AppError::Internal
}

/// Adds `tickets` tickets (and what they need) to the database, in batches of 1,000 per
/// transaction. Agents `agent1`..`agent3` get the password `agent_password`.
///
/// # Errors
/// `Internal` on a database or file failure.
pub async fn seed(
    pool: &Db,
    tickets: u64,
    media_root: &Path,
    agent_password: &str,
) -> Result<SeedReport, AppError> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let hash = hash_password(agent_password.to_owned()).await?;
    let now = Timestamp::now();
    let mut tx = super::db::begin_write(pool).await?;

    let mut agents = Vec::new();
    for i in 1..=3 {
        let id: i64 = sqlx::query_scalar(
            "insert into users (username, email, first_name, last_name, password_hash, \
             is_active, is_staff, is_superuser, date_joined) values ($1, $2, 'Agent', $3, $4, 1, 1, 0, $5) \
             on conflict (username) do update set is_staff = 1 returning id",
        )
        .bind(format!("agent{i}"))
        .bind(format!("agent{i}@example.com"))
        .bind(i.to_string())
        .bind(&hash)
        .bind(now.to_db())
        .fetch_one(&mut *tx)
        .await?;
        agents.push(id);
    }
    let mut queues = Vec::new();
    for slug in ["support", "billing", "it"] {
        let id: i64 = sqlx::query_scalar(
            "insert into queues (title, slug) values ($1, $2) \
             on conflict (slug) do update set title = excluded.title returning id",
        )
        .bind(format!("{}{}", slug[..1].to_uppercase(), &slug[1..]))
        .bind(slug)
        .fetch_one(&mut *tx)
        .await?;
        queues.push((id, slug));
    }
    let mut fields = Vec::new();
    for (name, kind, values) in [
        ("asset", "varchar", ""),
        ("floor", "integer", ""),
        ("category", "list", "Hardware\nSoftware\nBilling\nOther"),
    ] {
        let id: i64 = sqlx::query_scalar(
            "insert into custom_fields (name, label, data_type, max_length, list_values) \
             values ($1, $2, $3, 50, $4) on conflict (name) do update set label = excluded.label \
             returning id",
        )
        .bind(name)
        .bind(format!("{}{}", name[..1].to_uppercase(), &name[1..]))
        .bind(kind)
        .bind(values)
        .fetch_one(&mut *tx)
        .await?;
        fields.push((id, kind));
    }
    tx.commit().await?;

    let mut report = SeedReport::default();
    let start = now.inner() - chrono::Duration::days(365);
    let span_secs = 365 * 24 * 3600_i64;
    let mut done = 0;
    while done < tickets {
        let batch = (tickets - done).min(1_000);
        let mut tx = super::db::begin_write(pool).await?;
        for _ in 0..batch {
            let offset = (done as i64 * span_secs) / tickets.max(1) as i64;
            let created = Timestamp::from_utc(start + chrono::Duration::seconds(offset));
            let (queue, slug) = queues[rng.below(3) as usize];
            let status = [1, 1, 1, 2, 3, 3, 4, 4, 5][rng.below(9) as usize];
            let assigned = (rng.below(4) != 0).then(|| agents[rng.below(3) as usize]);
            let title = format!("{} {} {}", rng.word(), rng.word(), rng.word());
            let description = format!(
                "The {} is not working since the {} {}. Please help.",
                rng.word(),
                rng.word(),
                rng.word()
            );
            let secret: String = format!("{:016x}{:016x}", rng.next(), rng.next());
            let due = (rng.below(5) == 0)
                .then(|| Timestamp::from_utc(created.inner() + chrono::Duration::days(7)).to_db());
            let ticket: i64 = sqlx::query_scalar(
                "insert into tickets (title, queue, created, modified, submitter_email, \
                 assigned_to, status, on_hold, description, priority, due_date, secret_key) \
                 values ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11) returning id",
            )
            .bind(&title)
            .bind(queue)
            .bind(created.to_db())
            .bind(created.to_db())
            .bind(format!("customer{}@example.com", rng.below(500)))
            .bind(assigned)
            .bind(status)
            .bind(&description)
            .bind(1 + rng.below(5) as i64)
            .bind(due)
            .bind(&secret)
            .fetch_one(&mut *tx)
            .await?;
            report.tickets += 1;

            let followups = 1 + rng.below(5);
            for n in 0..followups {
                let date =
                    Timestamp::from_utc(created.inner() + chrono::Duration::minutes(n as i64 * 37));
                let (title, comment) = if n == 0 {
                    ("Ticket Opened".to_owned(), description.clone())
                } else {
                    (
                        "Comment".to_owned(),
                        format!("Checked the {} again.", rng.word()),
                    )
                };
                let followup: i64 = sqlx::query_scalar(
                    "insert into followups (ticket, date, title, comment, public, \"user\") \
                     values ($1, $2, $3, $4, 1, $5) returning id",
                )
                .bind(ticket)
                .bind(date.to_db())
                .bind(title)
                .bind(comment)
                .bind(agents[rng.below(3) as usize])
                .fetch_one(&mut *tx)
                .await?;
                report.followups += 1;
                if n > 0 && rng.below(2) == 0 {
                    sqlx::query(
                        "insert into ticket_changes (followup, field, old_value, new_value) \
                         values ($1, 'priority', '3', $2)",
                    )
                    .bind(followup)
                    .bind((1 + rng.below(5)).to_string())
                    .execute(&mut *tx)
                    .await?;
                    report.changes += 1;
                }
                if n == 0 && rng.below(10) == 0 {
                    let body = format!("log for ticket {ticket}\n").repeat(8);
                    // As an upload would store it: a file, or bytes in the database.
                    let file = match pool.attachment_store() {
                        AttachmentStore::Files => {
                            let rel_dir =
                                format!("{}/{followup}", ticket_folder(slug, ticket, &secret));
                            let dir = media_root.join(&rel_dir);
                            std::fs::create_dir_all(&dir).map_err(io_error)?;
                            std::fs::write(dir.join("log.txt"), &body).map_err(io_error)?;
                            format!("{rel_dir}/log.txt")
                        }
                        AttachmentStore::Database => String::new(),
                    };
                    let id: i64 = sqlx::query_scalar(
                        "insert into followup_attachments (followup, file, filename, mime_type, \
                         size) values ($1, $2, 'log.txt', 'text/plain', $3) returning id",
                    )
                    .bind(followup)
                    .bind(file)
                    .bind(body.len() as i64)
                    .fetch_one(&mut *tx)
                    .await?;
                    if pool.attachment_store() == AttachmentStore::Database {
                        sqlx::query(
                            "insert into attachment_contents (attachment, bytes) values ($1, $2)",
                        )
                        .bind(id)
                        .bind(body.as_bytes())
                        .execute(&mut *tx)
                        .await?;
                    }
                    report.attachments += 1;
                }
            }
            for (field, kind) in &fields {
                if rng.below(2) == 0 {
                    continue;
                }
                let value = match *kind {
                    "integer" => rng.below(12).to_string(),
                    "list" => ["Hardware", "Software", "Billing", "Other"][rng.below(4) as usize]
                        .to_owned(),
                    _ => format!("A-{}", rng.below(10_000)),
                };
                sqlx::query(
                    "insert into ticket_custom_field_values (ticket, field, value) values ($1, $2, $3)",
                )
                .bind(ticket)
                .bind(field)
                .bind(value)
                .execute(&mut *tx)
                .await?;
                report.custom_values += 1;
            }
        }
        tx.commit().await?;
        done += batch;
    }
    // Fresh statistics help the planner pick the indexes on a large table.
    sqlx::query("analyze").execute(pool).await?;
    Ok(report)
}
