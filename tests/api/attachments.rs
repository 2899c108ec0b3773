//! /api/followups-attachments/: files stored under the media root or in the database (each
//! test of both runs once per store), listed, downloaded by staff only, and deleted with
//! their bytes.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::*;

crate::each_store!(attachments_are_stored_listed_downloaded_by_staff_only_and_deleted);
async fn attachments_are_stored_listed_downloaded_by_staff_only_and_deleted(
    store: AttachmentStore,
) {
    let app = spawn_app_storing(store).await;
    let t = a_ticket(&app).await;
    let form = Form::new()
        .text("ticket", t.to_string())
        .text("comment", "logs")
        .part(
            "attachments",
            Part::bytes(b"bbb".to_vec())
                .file_name("b.log")
                .mime_str("text/x-log")
                .unwrap(),
        )
        .part(
            "attachments",
            Part::bytes(vec![0u8, 1, 2, 255])
                .file_name("/etc/../..\\a.bin")
                .mime_str("application/octet-stream")
                .unwrap(),
        );
    let (s, f) = send(app.admin(Method::POST, "/api/followups/").multipart(form)).await;
    assert_eq!(s, 201, "{f}");
    let atts = f["followupattachment_set"].as_array().unwrap();
    let names: Vec<&str> = atts
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["a.bin", "b.log"]);
    let a = atts[0].clone();
    assert_eq!(
        (
            a["size"].clone(),
            a["mime_type"].clone(),
            a["followup"].clone()
        ),
        (json!(4), json!("application/octet-stream"), f["id"].clone())
    );
    let aid = a["id"].as_i64().unwrap();
    assert_eq!(stored_files(&app, store).await, 2);
    // Files live under the media root only, in the ticket's folder; database rows name none.
    let files: Vec<String> = query_strings(
        &app,
        "select file from followup_attachments order by filename",
    )
    .await
    .into_iter()
    .map(Option::unwrap)
    .collect();
    for file in &files {
        if store == AttachmentStore::Database {
            assert_eq!(file, "");
            continue;
        }
        assert!(
            file.starts_with(&format!("helpdesk/attachments/desk-{t}-")),
            "{file}"
        );
        assert!(!file.contains(".."));
        assert!(app.media_root().join(file).is_file());
    }
    let (s, got) = admin_json(
        &app,
        Method::GET,
        &format!("/api/followups-attachments/{aid}/"),
        None,
    )
    .await;
    assert_eq!((s, got), (200, a.clone()));
    let (_, list) = admin_json(
        &app,
        Method::GET,
        &format!("/api/followups-attachments/?followup={}", f["id"]),
        None,
    )
    .await;
    assert_eq!(list["count"], 2);
    let url = a["url"].as_str().unwrap();
    let resp = app.admin(Method::GET, url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &[0u8, 1, 2, 255]);
    make_user(&app, "visitor", false).await;
    let (s, _) = send(app.as_user(Method::GET, url, "visitor", USER_PASSWORD)).await;
    assert_eq!(s, 403);
    let resp = app.client.get(app.url(url)).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    // Another file added to the same followup.
    let form = Form::new().text("followup", f["id"].to_string()).part(
        "file",
        Part::bytes(b"ccc".to_vec())
            .file_name("b.log")
            .mime_str("text/plain")
            .unwrap(),
    );
    let (s, c) = send(
        app.admin(Method::POST, "/api/followups-attachments/")
            .multipart(form),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["filename"], "b_1.log");
    assert_eq!(stored_files(&app, store).await, 3);
    let (s, e) = send(
        app.admin(Method::POST, "/api/followups-attachments/")
            .multipart(Form::new().text("followup", "999")),
    )
    .await;
    assert_eq!(
        (s, e),
        (
            400,
            json!({"followup": ["Invalid pk \"999\" - object does not exist."],
        "file": ["No file was submitted."]})
        )
    );
    let resp = app
        .admin(Method::DELETE, &format!("/api/followups-attachments/{aid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(!app.media_root().join(&files[0]).is_file());
    assert_eq!(count(&app, "followup_attachments").await, 2);
    assert_eq!(stored_files(&app, store).await, 2);
    // Deleting the followup removes the rest.
    let resp = app
        .admin(Method::DELETE, &format!("/api/followups/{}", f["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(count(&app, "followup_attachments").await, 0);
    assert!(!app.media_root().join(&files[1]).is_file());
    assert_eq!(stored_files(&app, store).await, 0);
}

/// A browser sends a file input left empty as a part with an empty file name and no bytes.
/// Both front doors read multipart bodies with one reader (`app::multipart`), so such a part
/// is no file at either: not an error, and not an empty attachment.
#[tokio::test]
async fn an_empty_file_name_is_no_file_for_the_api_and_for_the_reply_form() {
    let app = spawn_app().await;
    let t = a_ticket(&app).await;
    let form = |comment: &str| {
        Form::new()
            .text("ticket", t.to_string())
            .text("comment", comment.to_owned())
            .part(
                "attachments",
                Part::bytes(Vec::new())
                    .file_name("")
                    .mime_str("application/octet-stream")
                    .unwrap(),
            )
    };
    let followups = count(&app, "followups").await;
    let (s, f) = send(
        app.admin(Method::POST, "/api/followups/")
            .multipart(form("by API")),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["followupattachment_set"], json!([]), "{f}");
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let resp = app
        .client
        .post(app.url("/sfn/reply_ticket"))
        .header("origin", app.base.clone())
        .multipart(form("by web form"))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert!(
        status.as_u16() < 400,
        "{status}: {}",
        resp.text().await.unwrap()
    );
    assert_eq!(count(&app, "followups").await, followups + 2);
    assert_eq!(count(&app, "followup_attachments").await, 0);
}
