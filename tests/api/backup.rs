//! `helpdesk backup` writes a consistent copy of the live database (and, with `--media`, its
//! attachment files) while the server is under write load; `helpdesk restore` brings it back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use reqwest::Method;

use crate::helpers::*;
use crate::load::*;

/// Creates tickets with attachments until `stop` is set; answers how many were acknowledged.
async fn write_load(base: String, queue: i64, stop: Arc<AtomicBool>, acked: Arc<AtomicUsize>) {
    let client = reqwest::Client::new();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let title = format!("load-{n}");
        let (status, body) = post_ticket_with_file(&client, &base, queue, &title, title.as_bytes())
            .await
            .expect("the server answers");
        assert_eq!(status, 201, "{body}");
        acked.fetch_add(1, Ordering::Relaxed);
        n += 1;
    }
}

/// `helpdesk backup`/`restore` copy the SQLite file (VACUUM INTO); PostgreSQL's backups are
/// `pg_dump`'s, not the app's.
fn skipped_on_pg() -> bool {
    if on_pg() {
        eprintln!("skipped on PostgreSQL: backup and restore copy the SQLite file (VACUUM INTO)");
    }
    on_pg()
}

fn run_with_media(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let media = dir.join("media");
    run_cmd(
        dir,
        args,
        &[("HELPDESK_MEDIA_ROOT", media.to_str().unwrap())],
    )
}

// With the database store the attachments' bytes travel in the database copy itself.
crate::each_store!(a_backup_taken_under_write_load_is_consistent_and_restores);
async fn a_backup_taken_under_write_load_is_consistent_and_restores(attachments: AttachmentStore) {
    if skipped_on_pg() {
        return;
    }
    let app = spawn_app_storing(attachments).await;
    let queue = make_queue(&app, "bk").await;
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..3)
        .map(|_| {
            tokio::spawn(write_load(
                app.base.clone(),
                queue,
                stop.clone(),
                acked.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let out_dir = tempfile::tempdir().unwrap();
    let copy = out_dir.path().join("copy.db");
    let media_copy = out_dir.path().join("media");
    let before = acked.load(Ordering::Relaxed);
    let live = app.dir.path().to_owned();
    let args: Vec<String> = vec![
        "backup".into(),
        copy.to_str().unwrap().into(),
        "--media".into(),
        media_copy.to_str().unwrap().into(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_with_media(&live, &args)
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let during = acked.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("a write failed during the backup");
    }
    let after = acked.load(Ordering::Relaxed);
    assert!(
        after > during,
        "the load kept writing: {before} {during} {after}"
    );

    // The copy is whole and consistent on its own, and its files came along.
    let pool = connect(&format!("sqlite://{}", copy.display())).await;
    assert_integrity(&pool).await;
    assert_nothing_half_written(&pool, &media_copy).await;
    let tickets: i64 = sqlx::query_scalar("select count(*) from tickets")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(
        tickets as usize >= before,
        "the copy misses acknowledged tickets: {tickets} < {before}"
    );
    eprintln!(
        "backup: {tickets} tickets in the copy; {before} acknowledged before it, {after} at the end"
    );

    // Restore into a fresh installation, files included, and read it through the API.
    let fresh = Store::new();
    let out = run_with_media(
        fresh.path(),
        &[
            "restore",
            copy.to_str().unwrap(),
            "--media",
            media_copy.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "restore failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = fresh.serve_with(&[attachments.env()]);
    if attachments == AttachmentStore::Database {
        assert_eq!(files_under(&media_copy), Vec::<std::path::PathBuf>::new());
        assert_eq!(
            files_under(&fresh.media()),
            Vec::<std::path::PathBuf>::new()
        );
    }
    let (status, page) =
        admin_json(&restored, Method::GET, "/api/tickets/?page_size=1", None).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["count"].as_i64(), Some(tickets));
    let (_, t) = admin_json(
        &restored,
        Method::GET,
        "/api/tickets/?ordering=-id&page_size=1",
        None,
    )
    .await;
    let t = &t["results"][0];
    let att = t["followup_set"][0]["followupattachment_set"][0]["id"]
        .as_i64()
        .unwrap();
    let resp = restored
        .admin(
            Method::GET,
            &format!("/api/followups-attachments/{att}/download/"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.bytes().await.unwrap(),
        t["title"].as_str().unwrap().as_bytes()
    );
    // The search index was rebuilt with the rows.
    let (status, found) = admin_json(&restored, Method::GET, "/api/tickets/?q=load-0", None).await;
    assert_eq!(status, 200);
    assert!(found["count"].as_i64().unwrap() >= 1, "{found}");
}

#[tokio::test]
async fn restore_replaces_every_row_and_a_bad_backup_changes_nothing() {
    if skipped_on_pg() {
        return;
    }
    let store = Store::new();
    let app = store.serve();
    make_queue(&app, "one").await;
    let out_dir = tempfile::tempdir().unwrap();
    let copy = out_dir.path().join("one.db");
    let out = run_with_media(store.path(), &["backup", copy.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    make_queue(&app, "two").await;

    // Refused: the live database as the target, and a file that is not a database.
    let live = store.path().join("helpdesk.db");
    let out = run_with_media(store.path(), &["backup", live.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is the live database"), "{err}");
    let junk = out_dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let out = run_with_media(store.path(), &["restore", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: restore failed"),
        "{out:?}"
    );
    let slugs = query_strings_at(&store, "select slug from queues order by id").await;
    assert_eq!(slugs, ["one", "two"]);

    // Restored while the server runs: the queue added after the backup is gone.
    let out = run_with_media(store.path(), &["restore", copy.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, page) = admin_json(&app, Method::GET, "/api/queues/", None).await;
    assert_eq!(status, 200);
    let slugs: Vec<&str> = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["one"]);
    let pool = store.pool().await;
    assert_integrity(&pool).await;
    pool.close().await;
}

async fn query_strings_at(store: &Store, sql: &str) -> Vec<String> {
    let pool = store.pool().await;
    let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows
}

// Issue 13: on PostgreSQL these commands do not pretend; they name the tools that do the job.
#[tokio::test]
async fn on_postgresql_backup_and_restore_point_to_pg_dump() {
    if !on_pg() {
        eprintln!("skipped on SQLite: the commands work there (the tests above)");
        return;
    }
    let app = spawn_app().await;
    let target = app.dir.path().join("copy.db");
    for args in [
        ["backup", target.to_str().unwrap()],
        ["restore", target.to_str().unwrap()],
    ] {
        let out = run_cmd(app.dir.path(), &args, &[]);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("pg_dump"), "{stderr}");
        assert!(!target.exists(), "nothing written");
    }
}
