//! `HELPDESK_ATTACHMENT_STORE` (issue 13): with `database` the bytes of every upload are in
//! the database, so that every server over it serves them, and nothing is written under the
//! media root; files stored before the setting changed stay readable and deletable. The
//! attachment tests elsewhere run once per store (`each_store!`).

use reqwest::Method;
use reqwest::multipart::{Form, Part};

use crate::helpers::*;
use crate::load::*;

/// Every attachment downloads with the size its row records.
async fn assert_all_download(app: &TestApp) {
    let (status, list) = admin_json(app, Method::GET, "/api/followups-attachments/", None).await;
    assert_eq!(status, 200, "{list}");
    for a in list["results"].as_array().unwrap() {
        let resp = app
            .admin(Method::GET, a["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{a}");
        let bytes = resp.bytes().await.unwrap();
        assert_eq!(bytes.len() as i64, a["size"].as_i64().unwrap(), "{a}");
    }
}

#[tokio::test]
async fn with_the_database_store_no_upload_path_writes_under_the_media_root() {
    let app = spawn_app_storing(AttachmentStore::Database).await;
    let queue = make_queue(&app, "db").await;
    let client = reqwest::Client::new();
    let (status, t) = post_ticket_with_file(&client, &app.base, queue, "api-ticket", b"one")
        .await
        .unwrap();
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    let (status, f) = post_followup_with_file(&client, &app.base, id, "api-followup", b"two")
        .await
        .unwrap();
    assert_eq!(status, 201, "{f}");
    let form = Form::new().text("followup", f["id"].to_string()).part(
        "file",
        Part::bytes(b"three".to_vec()).file_name("three.txt"),
    );
    let (status, a) = send(
        app.admin(Method::POST, "/api/followups-attachments/")
            .multipart(form),
    )
    .await;
    assert_eq!(status, 201, "{a}");
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let form = Form::new()
        .text("ticket", id.to_string())
        .text("comment", "by the reply form")
        .part(
            "attachments",
            Part::bytes(b"four".to_vec()).file_name("four.txt"),
        );
    let resp = app
        .client
        .post(app.url("/sfn/reply_ticket"))
        .header("origin", app.base.clone())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(resp.status().as_u16() < 400, "{}", resp.status());
    // The seed command stores its sample files as the server does.
    let media = app.media_root();
    let media_env = media.to_string_lossy().into_owned();
    let out = run_cmd(
        app.dir.path(),
        &["seed", "--tickets", "40"],
        &[
            AttachmentStore::Database.env(),
            ("HELPDESK_MEDIA_ROOT", &media_env),
        ],
    );
    assert!(out.status.success(), "seed failed: {out:?}");

    let rows = count(&app, "followup_attachments").await;
    assert!(rows > 4, "the seed added no attachment");
    assert_eq!(count(&app, "attachment_contents").await, rows);
    assert!(!media.exists(), "the media root was created");
    assert_all_download(&app).await;
}

#[tokio::test]
async fn files_stored_before_the_switch_to_the_database_stay_readable_and_deletable() {
    let mut app = spawn_app_storing(AttachmentStore::Files).await;
    let queue = make_queue(&app, "switch").await;
    let client = reqwest::Client::new();
    let (status, t) = post_ticket_with_file(&client, &app.base, queue, "old", b"on disk")
        .await
        .unwrap();
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    let old = t["followup_set"][0]["followupattachment_set"][0].clone();
    app.terminate();
    let dir = std::mem::replace(&mut app.dir, tempfile::tempdir().unwrap());
    drop(app);
    let app = spawn_in(dir, &[AttachmentStore::Database.env()]);

    let resp = app
        .admin(Method::GET, old["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{old}");
    assert_eq!(&resp.bytes().await.unwrap()[..], b"on disk");
    let (status, f) = post_followup_with_file(&client, &app.base, id, "new", b"in the database")
        .await
        .unwrap();
    assert_eq!(status, 201, "{f}");
    assert_eq!(files_under(&app.media_root()).len(), 1);
    assert_eq!(count(&app, "attachment_contents").await, 1);
    assert_all_download(&app).await;

    let resp = app
        .admin(Method::DELETE, &format!("/api/tickets/{id}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        files_under(&app.media_root()),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(count(&app, "attachment_contents").await, 0);
}

#[test]
fn a_bad_attachment_store_is_named_in_one_line_and_a_blank_one_is_unset() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_cmd(
        dir.path(),
        &["migrate"],
        &[("HELPDESK_ATTACHMENT_STORE", "s3")],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HELPDESK_ATTACHMENT_STORE must be files or database, not \"s3\""),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let out = run_cmd(
        dir.path(),
        &["migrate"],
        &[("HELPDESK_ATTACHMENT_STORE", " ")],
    );
    assert!(out.status.success(), "{out:?}");
    let out = std::process::Command::new(bin())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("[env: HELPDESK_ATTACHMENT_STORE"), "{help}");
}
