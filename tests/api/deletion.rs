//! Deleting a ticket removes its rows and its files; a delete or an upload that fails half-way
//! leaves neither orphan rows nor orphan files (each test runs once per attachment store). Failures are injected with a trigger that
//! aborts the transaction from inside the database.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;
use crate::load::*;

/// Runs statements on the app's database from outside the server.
async fn exec(app: &TestApp, sql: &str) {
    let pool = connect(&app.db_url()).await;
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

/// Makes every row `event` (`after insert`, `before delete`) on followup_attachments fail
/// inside the database, in each backend's trigger language.
async fn inject_failure(app: &TestApp, event: &str) {
    inject_failure_on(app, event, "followup_attachments").await;
}

async fn inject_failure_on(app: &TestApp, event: &str, table: &str) {
    if on_pg() {
        exec(
            app,
            "create function injected_failure() returns trigger language plpgsql as \
             $$ begin raise exception 'injected failure'; end $$",
        )
        .await;
        exec(
            app,
            &format!(
                "create trigger injected_failure {event} on {table} \
                 for each row execute function injected_failure()"
            ),
        )
        .await;
    } else {
        exec(
            app,
            &format!(
                "create trigger injected_failure {event} on {table} \
                 begin select raise(abort, 'injected failure'); end"
            ),
        )
        .await;
    }
}

async fn remove_injected_failure(app: &TestApp) {
    let sql = if on_pg() {
        "drop trigger injected_failure on followup_attachments"
    } else {
        "drop trigger injected_failure"
    };
    exec(app, sql).await;
}

/// A ticket with a file on its opening followup and two on a second followup, with a
/// custom value and a recorded change; answers its id.
async fn ticket_with_files(app: &TestApp, queue: i64) -> i64 {
    let client = reqwest::Client::new();
    let (status, t) = post_ticket_with_file(&client, &app.base, queue, "doomed", b"first")
        .await
        .unwrap();
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    for body in [&b"second"[..], &b"third"[..]] {
        let (status, f) = post_followup_with_file(&client, &app.base, id, "more", body)
            .await
            .unwrap();
        assert_eq!(status, 201, "{f}");
    }
    let (status, body) = admin_json(
        app,
        Method::PATCH,
        &format!("/api/tickets/{id}/"),
        Some(json!({"priority": 1, "custom_asset": "A-1"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    id
}

/// Rows that belong to ticket `id`, table by table.
async fn rows_of(app: &TestApp, id: i64) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for (table, condition) in [
        ("tickets", "id = $1"),
        ("followups", "ticket = $1"),
        (
            "ticket_changes",
            "followup in (select id from followups where ticket = $1)",
        ),
        (
            "followup_attachments",
            "followup in (select id from followups where ticket = $1)",
        ),
        ("ticket_custom_field_values", "ticket = $1"),
    ] {
        let pool = connect(&app.db_url()).await;
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table} where {condition}"))
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        out.push((table.to_owned(), n));
    }
    out
}

async fn setup(store: AttachmentStore) -> (TestApp, i64) {
    let app = spawn_app_storing(store).await;
    let queue = make_queue(&app, "del").await;
    let (status, body) = admin_json(
        &app,
        Method::POST,
        "/api/custom_fields/",
        Some(json!({"name": "asset", "label": "Asset", "data_type": "varchar", "max_length": 20})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (app, queue)
}

crate::each_store!(deleting_a_ticket_removes_its_rows_and_its_files);
async fn deleting_a_ticket_removes_its_rows_and_its_files(store: AttachmentStore) {
    let (app, queue) = setup(store).await;
    let keep = ticket_with_files(&app, queue).await;
    let id = ticket_with_files(&app, queue).await;
    assert!(rows_of(&app, id).await.iter().all(|(_, n)| *n > 0));
    assert_eq!(stored_files(&app, store).await, 6);

    let resp = app
        .admin(Method::DELETE, &format!("/api/tickets/{id}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    for (table, n) in rows_of(&app, id).await {
        assert_eq!(n, 0, "{table} still has rows of the deleted ticket");
    }
    // Only the other ticket's files remain.
    assert_eq!(stored_files(&app, store).await, 3);
    if store == AttachmentStore::Files {
        // The deleted ticket's folder is gone too, the other one's is intact.
        let folders = std::fs::read_dir(app.media_root().join("helpdesk/attachments"))
            .unwrap()
            .count();
        assert_eq!(folders, 1);
    }
    assert!(rows_of(&app, keep).await.iter().all(|(_, n)| *n > 0));
}

crate::each_store!(a_delete_that_fails_half_way_leaves_every_row_and_every_file);
async fn a_delete_that_fails_half_way_leaves_every_row_and_every_file(store: AttachmentStore) {
    let (app, queue) = setup(store).await;
    let id = ticket_with_files(&app, queue).await;
    let before = rows_of(&app, id).await;
    // The ticket row goes first and the cascade then fails on the attachments: the
    // transaction has already deleted rows and listed the files when it aborts.
    inject_failure(&app, "before delete").await;
    let resp = app
        .admin(Method::DELETE, &format!("/api/tickets/{id}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        500,
        "the injected failure must stop the delete"
    );
    assert_eq!(rows_of(&app, id).await, before, "rows were lost");
    assert_eq!(stored_files(&app, store).await, 3, "files were removed");
    let (status, t) = admin_json(&app, Method::GET, &format!("/api/tickets/{id}/"), None).await;
    assert_eq!(status, 200);
    let att = t["followup_set"][0]["followupattachment_set"][0]["id"]
        .as_i64()
        .unwrap();
    let resp = app
        .admin(
            Method::GET,
            &format!("/api/followups-attachments/{att}/download/"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(&resp.bytes().await.unwrap()[..], b"first");

    remove_injected_failure(&app).await;
    let resp = app
        .admin(Method::DELETE, &format!("/api/tickets/{id}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(rows_of(&app, id).await.iter().all(|(_, n)| *n == 0));
    assert_eq!(stored_files(&app, store).await, 0);
}

crate::each_store!(an_upload_whose_transaction_fails_leaves_no_file_and_no_row);
async fn an_upload_whose_transaction_fails_leaves_no_file_and_no_row(store: AttachmentStore) {
    let (app, queue) = setup(store).await;
    let client = reqwest::Client::new();
    let (status, t) = post_ticket_with_file(&client, &app.base, queue, "kept", b"kept")
        .await
        .unwrap();
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    // The last write of an upload fails: with files, the row's insert (the file is on disk
    // by then); with the database, the bytes' insert (the row is written by then).
    let last = match store {
        AttachmentStore::Files => "followup_attachments",
        AttachmentStore::Database => "attachment_contents",
    };
    inject_failure_on(&app, "after insert", last).await;
    let tickets = count(&app, "tickets").await;
    let followups = count(&app, "followups").await;

    let (status, _) = post_followup_with_file(&client, &app.base, id, "lost", b"never")
        .await
        .unwrap();
    assert_eq!(status, 500);
    let (status, _) = post_ticket_with_file(&client, &app.base, queue, "lost", b"never")
        .await
        .unwrap();
    assert_eq!(status, 500);
    let f = t["followup_set"][0]["id"].as_i64().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("followup", f.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"never".to_vec()).file_name("lost.txt"),
        );
    let resp = app
        .admin(Method::POST, "/api/followups-attachments/")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);

    assert_eq!(count(&app, "tickets").await, tickets);
    assert_eq!(count(&app, "followups").await, followups);
    assert_eq!(count(&app, "followup_attachments").await, 1);
    // Only the first ticket's file, no orphan or temporary file.
    assert_eq!(stored_files(&app, store).await, 1);
    if store == AttachmentStore::Files {
        let files = files_under(&app.media_root());
        assert_eq!(std::fs::read(&files[0]).unwrap(), b"kept");
    }
}
