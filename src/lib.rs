//! The helpdesk server: command line, configuration, the axum router, the REST API and the
//! two front doors of authentication. Rules and SQL live in `app::service`, not here.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod forwarded;
pub mod portal;
pub mod security;
pub mod session_store;
pub mod startup;
pub mod state;
pub mod telemetry;

use cli::{Cli, Command};

/// The characters RFC 3986 leaves unreserved: everything else is percent-encoded in the
/// links, redirects and headers the server builds.
pub(crate) const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What can end the binary with a non-zero exit; each renders as one line.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Db(#[from] app::service::db::DbError),
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: String, reason: String },
    #[error("{0}")]
    Command(String),
    /// A command whose exit status means something to its caller (an MTA reads
    /// `mail receive`'s sysexits code).
    #[error("{message}")]
    Exit { code: u8, message: String },
}

impl RunError {
    /// The process's exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Exit { code, .. } => *code,
            _ => 1,
        }
    }
}

/// Runs one subcommand to completion.
///
/// # Errors
/// `RunError` for bad configuration, an unusable database, a taken port, or a failed command.
pub async fn run(cli: Cli) -> Result<(), RunError> {
    let storage = cli.storage;
    let Some(command) = cli.command else {
        return Err(RunError::Command("no command given".to_owned()));
    };
    match command {
        Command::Serve(settings) => startup::serve(settings.with_storage(storage)).await,
        Command::Migrate => {
            let url = storage.database_url.clone();
            app::service::db::connect_and_migrate(&url).await?;
            tracing::info!(database = %url, "migrations applied");
            Ok(())
        }
        Command::Seed(args) => {
            let url = storage.database_url.clone();
            let pool = app::service::db::connect_and_migrate(&url)
                .await?
                .with_attachment_store(storage.attachment_store());
            let media = storage.media_root.clone();
            let started = std::time::Instant::now();
            let report =
                app::service::seed::seed(&pool, args.tickets, &media, &args.agent_password)
                    .await
                    .map_err(|e| RunError::Command(format!("seeding failed: {e}")))?;
            tracing::info!(
                tickets = report.tickets,
                followups = report.followups,
                changes = report.changes,
                custom_values = report.custom_values,
                attachments = report.attachments,
                seconds = started.elapsed().as_secs_f64(),
                "seeded"
            );
            Ok(())
        }
        Command::Backup(args) => {
            let url = storage.database_url.clone();
            let pool = app::service::db::connect(&url).await?;
            let result = app::service::backup::backup(
                &pool,
                &args.path,
                &storage.media_root,
                args.media.as_deref(),
            )
            .await;
            pool.close().await;
            report_copy(&args.path, result, "backup", "backup written")
        }
        Command::Restore(args) => {
            let url = storage.database_url.clone();
            let pool = app::service::db::connect_and_migrate(&url).await?;
            let result = app::service::backup::restore(
                &pool,
                &args.path,
                &storage.media_root,
                args.media.as_deref(),
            )
            .await;
            pool.close().await;
            report_copy(&args.path, result, "restore", "restored")
        }
        Command::Routes => {
            // The one place the binary writes to stdout: a test reads it.
            use std::io::Write;
            let text = serde_json::to_string_pretty(&cli::routes())
                .map_err(|e| RunError::Command(format!("cannot list routes: {e}")))?;
            writeln!(std::io::stdout(), "{text}")
                .map_err(|e| RunError::Command(format!("cannot list routes: {e}")))?;
            Ok(())
        }
        Command::Mail(cli::MailArgs {
            command: cli::MailCommand::Receive(args),
        }) => cli::mail_receive(&storage, args).await,
        Command::Createsuperuser(args) => {
            let url = storage.database_url.clone();
            let pool = app::service::db::connect_and_migrate(&url).await?;
            cli::createsuperuser(&pool, args).await
        }
    }
}

/// Logs what a backup or a restore copied, or turns its failure into the one-line error.
fn report_copy(
    path: &std::path::Path,
    result: Result<app::service::backup::BackupReport, app::service::backup::BackupError>,
    what: &str,
    done: &str,
) -> Result<(), RunError> {
    let report = result.map_err(|e| RunError::Command(format!("{what} failed: {e}")))?;
    tracing::info!(
        path = %path.display(),
        tickets = report.tickets,
        attachments = report.attachments,
        files_copied = report.files_copied,
        files_missing = report.files_missing,
        "{done}"
    );
    Ok(())
}
