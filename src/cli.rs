//! The command line: `serve` (the default), `migrate`, `createsuperuser`, `seed`, `backup`,
//! `restore`, `mail receive`.

use app::service::db::Db;
use clap::{Args, Parser, Subcommand};

use crate::RunError;
use crate::config::{Settings, Storage};

#[derive(Debug, Parser)]
#[command(name = "helpdesk", version, about = "A helpdesk (ticketing) system")]
pub struct Cli {
    #[command(flatten)]
    pub storage: Storage,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The command line and the environment; `serve` when no command is given. Prints the
    /// error (or the help) and exits when they are not usable.
    pub fn from_env() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let matches = crate::config::ignore_blank_env(Cli::command()).get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        if cli.command.is_none() {
            // As `helpdesk serve`, so the server's settings are read from the environment.
            let matches = crate::config::ignore_blank_env(DefaultServe::command())
                .get_matches_from(["helpdesk"]);
            let serve = DefaultServe::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
            cli.command = Some(Command::Serve(serve.settings));
        }
        cli
    }
}

/// `helpdesk` without a command: the settings of `serve`.
#[derive(Debug, Parser)]
#[command(name = "helpdesk")]
struct DefaultServe {
    #[command(flatten)]
    settings: Settings,
}

// Parsed once at start-up: the size of `Serve`'s settings costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the REST API (the default).
    Serve(Settings),
    /// Apply database migrations and exit.
    Migrate,
    /// Create an active staff superuser.
    Createsuperuser(SuperuserArgs),
    /// Add demo data: 3 queues, agents agent1..agent3, custom fields and N tickets.
    Seed(SeedArgs),
    /// Write a consistent copy of the database to PATH (safe while the server runs).
    Backup(BackupArgs),
    /// Replace every row of the database with those of the backup at PATH, in one transaction.
    Restore(RestoreArgs),
    /// Mail in: file a message read from standard input (for an MTA pipe).
    Mail(MailArgs),
    /// Print every route the server serves, as JSON (for the authorization matrix test).
    #[command(hide = true)]
    Routes,
}

/// Every route the server serves, taken from where the router gets them: the OpenAPI document
/// (checked against the API router by a unit test), Leptos's route list of `app::App`, and the
/// server-function registry. `{"api": [[method, path]], "pages": [path], "server_fns":
/// [[method, path]]}`, each sorted.
pub fn routes() -> serde_json::Value {
    let doc = crate::api::openapi::document();
    let mut api: Vec<(String, String)> = doc["paths"]
        .as_object()
        .map(|paths| {
            paths
                .iter()
                .flat_map(|(path, ops)| {
                    ops.as_object()
                        .into_iter()
                        .flat_map(|o| o.keys())
                        .filter(|m| m.as_str() != "parameters")
                        .map(move |m| (m.to_ascii_uppercase(), path.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    api.sort();
    let mut pages: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    pages.sort();
    pages.dedup();
    let mut server_fns: Vec<(String, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (method.to_string(), path.to_owned()))
        .collect();
    server_fns.sort();
    serde_json::json!({ "api": api, "pages": pages, "server_fns": server_fns })
}

#[derive(Debug, Args)]
pub struct MailArgs {
    #[command(subcommand)]
    pub command: MailCommand,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// File one RFC 5322 message from standard input in a queue: a new ticket, or a public
    /// followup on the ticket it answers. Exits 0 when it was filed or deliberately ignored,
    /// 75 (EX_TEMPFAIL: the MTA tries again later) when the database is busy or unreachable,
    /// 65 (EX_DATAERR) for a message that cannot be read as mail, 67 (EX_NOUSER) for an
    /// unknown queue, 78 (EX_CONFIG) for an unusable DATABASE_URL.
    Receive(ReceiveArgs),
}

#[derive(Debug, Args)]
pub struct ReceiveArgs {
    /// The slug of the queue that new tickets go to.
    #[arg(long, value_name = "SLUG")]
    pub queue: String,
    /// The helpdesk's own sender address: mail from it is never filed (as from any queue's
    /// address).
    #[arg(long, env = "HELPDESK_DEFAULT_FROM", value_name = "ADDRESS")]
    pub default_from: Option<String>,
    /// The site's address as users reach it: the base of the links in the notifications a
    /// filed message causes (as `serve`'s; else http:// and --addr)
    #[arg(
        long,
        env = "HELPDESK_PUBLIC_URL",
        value_name = "URL",
        value_parser = crate::config::Checked::new(crate::config::parse_public_url)
    )]
    pub public_url: Option<String>,
    /// The server's address, for those links when no public URL is set
    #[arg(
        long,
        env = "LEPTOS_SITE_ADDR",
        default_value = crate::config::DEFAULT_ADDR,
        value_name = "HOST:PORT",
        value_parser = crate::config::Checked::new(crate::config::parse_addr)
    )]
    pub addr: std::net::SocketAddr,
    /// Largest attachment kept, in bytes (as the server's limit for uploads); a larger one is
    /// left out and named in the comment.
    #[arg(
        long,
        env = "HELPDESK_MAX_FILE_BYTES",
        default_value_t = app::service::attachments::DEFAULT_MAX_FILE_BYTES,
        value_name = "BYTES"
    )]
    pub max_file_bytes: usize,
}

/// sysexits.h codes, as MTAs read a pipe command's exit status.
pub mod sysexits {
    pub const EX_DATAERR: u8 = 65;
    pub const EX_NOUSER: u8 = 67;
    pub const EX_TEMPFAIL: u8 = 75;
    pub const EX_CONFIG: u8 = 78;
}

/// The largest message read from standard input: above any MTA's usual size limit.
const MAX_MESSAGE_BYTES: u64 = 100 * 1024 * 1024;

/// `helpdesk mail receive`: reads one message from standard input and files it.
///
/// # Errors
/// `RunError::Exit` with the sysexits code the MTA acts on (see `MailCommand::Receive`).
pub async fn mail_receive(
    storage: &crate::config::Storage,
    args: ReceiveArgs,
) -> Result<(), RunError> {
    use app::service::mail::receive::{self, Filed, ReceiveError};
    use sysexits::*;
    let exit = |code: u8, message: String| RunError::Exit { code, message };
    let read = tokio::task::spawn_blocking(|| {
        use std::io::Read;
        let mut raw = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_MESSAGE_BYTES + 1)
            .read_to_end(&mut raw)
            .map(|_| raw)
    })
    .await;
    let raw = match read {
        Ok(Ok(raw)) => raw,
        Ok(Err(e)) => {
            return Err(exit(
                EX_TEMPFAIL,
                format!("cannot read the message from standard input: {e}"),
            ));
        }
        Err(e) => return Err(exit(EX_TEMPFAIL, format!("cannot read the message: {e}"))),
    };
    if raw.len() as u64 > MAX_MESSAGE_BYTES {
        return Err(exit(
            EX_DATAERR,
            format!("the message is larger than {MAX_MESSAGE_BYTES} bytes"),
        ));
    }
    let url = storage.database_url.clone();
    let db = match app::service::db::connect_and_migrate(&url).await {
        Ok(db) => db,
        Err(e @ app::service::db::DbError::BadUrl { .. }) => {
            return Err(exit(EX_CONFIG, e.to_string()));
        }
        Err(e) => return Err(exit(EX_TEMPFAIL, e.to_string())),
    };
    let db = db
        .with_attachment_store(storage.attachment_store())
        .with_max_file_bytes(args.max_file_bytes)
        .with_mail(app::service::mail::MailSettings::new(
            args.public_url.as_deref(),
            args.addr,
            args.default_from.as_deref(),
            false,
        ));
    let result = async {
        if !receive::queue_exists(&db, &args.queue).await? {
            return Ok(None);
        }
        receive::file(&db, &storage.media_root, &args.queue, &raw)
            .await
            .map(Some)
    }
    .await;
    db.close().await;
    match result {
        Ok(Some(Filed::Ticket(id))) => {
            tracing::info!(ticket = id, queue = %args.queue, "mail filed as a new ticket");
            Ok(())
        }
        Ok(Some(Filed::Followup { ticket, followup })) => {
            tracing::info!(ticket, followup, "mail filed as a followup");
            Ok(())
        }
        Ok(Some(Filed::Ignored(reason))) => {
            tracing::info!(%reason, "mail not filed, deliberately");
            Ok(())
        }
        Ok(Some(Filed::Duplicate)) => {
            tracing::info!("mail not filed: this Message-ID was filed before");
            Ok(())
        }
        Ok(None) => Err(exit(
            EX_NOUSER,
            format!("there is no queue with the slug {:?}", args.queue),
        )),
        Err(e @ ReceiveError::Unparsable(_)) => Err(exit(EX_DATAERR, e.to_string())),
        Err(e @ (ReceiveError::Busy | ReceiveError::Other(_))) => {
            Err(exit(EX_TEMPFAIL, e.to_string()))
        }
    }
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// File to write; replaced atomically if it exists.
    pub path: std::path::PathBuf,
    /// Also copy the attachment files the copy refers to into this folder.
    #[arg(long)]
    pub media: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file written by `helpdesk backup`.
    pub path: std::path::PathBuf,
    /// Also copy the attachment files from this folder (written by `backup --media`) into
    /// the media root, where they are missing.
    #[arg(long)]
    pub media: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// How many tickets to add.
    #[arg(long, default_value_t = 1000)]
    pub tickets: u64,
    /// Password of the agents agent1..agent3.
    #[arg(long, default_value = "agent-pass-123")]
    pub agent_password: String,
}

#[derive(Debug, Args)]
pub struct SuperuserArgs {
    #[arg(long)]
    pub username: String,
    #[arg(long, default_value = "")]
    pub email: String,
}

/// Creates the superuser; the password comes from `HELPDESK_SUPERUSER_PASSWORD`, else a prompt.
///
/// # Errors
/// `RunError::Command` when the username is taken, a field is invalid or no password is given.
pub async fn createsuperuser(pool: &Db, args: SuperuserArgs) -> Result<(), RunError> {
    let password = match std::env::var("HELPDESK_SUPERUSER_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let first = rpassword::prompt_password("Password: ")
                .map_err(|e| RunError::Command(format!("cannot read the password: {e}")))?;
            let again = rpassword::prompt_password("Password (again): ")
                .map_err(|e| RunError::Command(format!("cannot read the password: {e}")))?;
            if first != again {
                return Err(RunError::Command("the two passwords differ".to_owned()));
            }
            first
        }
    };
    match app::service::users::create_superuser(pool, &args.username, &args.email, password).await {
        Ok(user) => {
            tracing::info!(username = %user.username, id = user.id, "superuser created");
            Ok(())
        }
        Err(app::error::AppError::Validation(errors)) => {
            let text = errors
                .iter()
                .map(|(field, msgs)| format!("{field}: {}", msgs.join(" ")))
                .collect::<Vec<_>>()
                .join("; ");
            Err(RunError::Command(text))
        }
        Err(e) => Err(RunError::Command(e.to_string())),
    }
}
