//! Logging: `RUST_LOG` decides, else `helpdesk=info,app=info,tower_http=warn`.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("helpdesk=info,app=info,tower_http=warn"));
    // Logs go to stderr so that command output stays clean.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
