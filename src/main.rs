//! The `helpdesk` binary: parses the command line and hands over to `helpdesk::run`.

use std::process::ExitCode;

/// glibc raises its mmap threshold after the first large free, after which each argon2
/// computation's 19 MiB lands in a per-thread heap arena and stays there: measured, 64
/// sign-ins took the server to 540 MB. A fixed threshold keeps such blocks in mmap, returned
/// to the system as soon as they are freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    // SAFETY: mallopt only changes allocator parameters; called before any other thread runs.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    let cli = helpdesk::cli::Cli::from_env();
    helpdesk::telemetry::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            // EX_TEMPFAIL: an MTA piping mail to `mail receive` tries again later.
            return ExitCode::from(75);
        }
    };
    match runtime.block_on(helpdesk::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One clear line for the operator, no backtrace.
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
