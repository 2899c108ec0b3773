//! The `helpdesk` binary: parses the command line and hands over to `helpdesk::run`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = helpdesk::cli::Cli::parse();
    helpdesk::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(helpdesk::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One clear line for the operator, no backtrace.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
