//! The command line: `serve` (the default), `migrate`, `createsuperuser`, `seed`, `backup`,
//! `restore`.

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
