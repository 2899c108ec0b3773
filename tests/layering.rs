//! Issue 12.6: the layers import only downwards. Domain and error types use nothing of the
//! service layer or the UI; the server's middleware takes nothing from the UI's server
//! functions; `AppState` has its own module, not the router's.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Files under `dir` (relative to the repository) whose code mentions one of `needles`.
fn offenders(dir: &str, needles: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let path = root.join(dir);
    if path.is_dir() {
        rust_files(&path, &mut files);
    } else {
        files.push(path);
    }
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if needles.iter().any(|needle| code.contains(needle)) {
                found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn domain_and_error_types_use_nothing_above_them() {
    let above = ["service::", "server_fns::", "pages::", "components::"];
    let mut found = offenders("app/src/error.rs", &above);
    found.extend(offenders("app/src/domain", &above));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_server_takes_no_constant_from_the_ui_server_functions() {
    let found = offenders("src/auth", &["server_fns::context"]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn app_state_lives_in_its_own_module() {
    let found = offenders("src", &["startup::AppState", "pub struct AppState"]);
    let outside: Vec<_> = found
        .into_iter()
        .filter(|l| !l.contains("src/state.rs"))
        .collect();
    assert!(outside.is_empty(), "{outside:#?}");
}

/// Issue 12.5: the session's user is looked up in one place (`service::sessions::check`, run
/// once per request by the session middleware); everyone else reads what it found.
#[test]
fn the_signed_in_user_is_looked_up_in_one_place() {
    let mut found = offenders("src", &["sessions::USER_ID", "SESSION_USER_ID"]);
    found.extend(offenders(
        "app/src/server_fns",
        &["sessions::USER_ID", "SESSION_USER_ID", "users::get_user("],
    ));
    assert!(found.is_empty(), "{found:#?}");
}

/// Issue 12.1: state that belongs to one database (write queue, caches, counters, limits) or
/// one server lives in `Db` / `AppState`, built at start-up; no `static` or `thread_local!`
/// holds it. The one process-wide item is the argon2 gate (`service/password.rs`), which
/// shares out the machine's cores and holds no data.
#[test]
fn no_static_holds_state() {
    let needles = [
        "static ",
        "thread_local!",
        "OnceLock",
        "LazyLock",
        "lazy_static",
    ];
    let mut found = offenders("app/src", &needles);
    found.extend(offenders("src", &needles));
    // A `'static` lifetime or `from_static` is not a static item.
    let is_item = |line: &str| {
        let code = line.split_once(": ").map_or("", |(_, c)| c);
        code.match_indices("static ").any(|(i, _)| {
            i == 0
                || !code.as_bytes()[i - 1].is_ascii_alphanumeric()
                    && code.as_bytes()[i - 1] != b'\''
                    && code.as_bytes()[i - 1] != b'_'
        }) || needles[1..].iter().any(|n| code.contains(n))
    };
    // A task-local (`tokio::task_local!`) lives as long as one request's task: not shared.
    let in_task_local = |line: &str| {
        let Some((file, rest)) = line.split_once(':') else {
            return false;
        };
        let n: usize = rest
            .split(':')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let before: Vec<&str> = text.lines().take(n.saturating_sub(1)).collect();
        before
            .iter()
            .rev()
            .take(3)
            .any(|l| l.trim_start().starts_with("tokio::task_local!"))
    };
    let found: Vec<_> = found
        .into_iter()
        .filter(|l| !l.contains("service/password.rs") && is_item(l) && !in_task_local(l))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}
