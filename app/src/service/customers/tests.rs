//! Service tests for the customer's side: opening, reading by key, replying, closing and
//! reopening without an account.

use serde_json::json;

use super::*;
use crate::domain::input::WriteMode;
use crate::domain::queue::QueueInput;
use crate::domain::ticket::{TicketInput, TicketStatus};
use crate::domain::user::CurrentUser;
use crate::service::{followups, queues, tickets, users};

async fn setup(db: &Db) -> (CurrentUser, i64) {
    let admin = users::create_superuser(db, "admin", "", "s3cret-pass".into())
        .await
        .unwrap();
    let body = json!({"title": "IT", "slug": "it"});
    let q = queues::create(
        db,
        &admin,
        QueueInput::from_json(body.as_object().unwrap(), WriteMode::Create),
    )
    .await
    .unwrap();
    (admin, q.id)
}

fn new_ticket(queue: i64) -> NewCustomerTicket {
    NewCustomerTicket {
        queue,
        title: "Printer on fire".into(),
        description: "It smokes.".into(),
        email: "ann@example.com".into(),
        message_id: Some("<m1@example.com>".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_customer_opens_a_ticket_without_an_account() {
    let test = crate::service::db::testing::db().await;
    let (admin, q) = setup(&test.db).await;
    let dir = tempfile::tempdir().unwrap();
    let opened = open_ticket(&test.db, dir.path(), new_ticket(q))
        .await
        .unwrap();
    assert_eq!(opened.secret_key.len(), 32);
    let t = tickets::get(&test.db, &admin, opened.id).await.unwrap();
    assert_eq!(t.submitter_email.as_deref(), Some("ann@example.com"));
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.followup_set[0].user, None);
    assert!(t.followup_set[0].public);
    assert_eq!(
        t.followup_set[0].message_id.as_deref(),
        Some("<m1@example.com>")
    );
    let types: Vec<String> = sqlx::query_scalar("select type from events order by id")
        .fetch_all(&test.db)
        .await
        .unwrap();
    assert_eq!(types, ["ticket.created", "followup.created"]);
}

#[tokio::test]
async fn bad_input_names_the_fields_and_writes_nothing() {
    let test = crate::service::db::testing::db().await;
    let (_, q) = setup(&test.db).await;
    let dir = tempfile::tempdir().unwrap();
    let mut bad = new_ticket(q);
    bad.title = " ".into();
    bad.email = String::new();
    let Err(AppError::Validation(bag)) = open_ticket(&test.db, dir.path(), bad).await else {
        panic!("expected a validation error");
    };
    let fields: Vec<&str> = bag.keys().map(String::as_str).collect();
    assert!(fields.contains(&"title"), "{fields:?}");
    assert!(fields.contains(&"submitter_email"), "{fields:?}");
    let mut unknown = new_ticket(q + 100);
    unknown.email = "ann@example.com".into();
    assert!(matches!(
        open_ticket(&test.db, dir.path(), unknown).await,
        Err(AppError::Validation(_))
    ));
    let n: i64 = sqlx::query_scalar("select count(*) from tickets")
        .fetch_one(&test.db)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_key_opens_the_ticket_and_nothing_else_does() {
    let test = crate::service::db::testing::db().await;
    let (admin, q) = setup(&test.db).await;
    let dir = tempfile::tempdir().unwrap();
    let opened = open_ticket(&test.db, dir.path(), new_ticket(q))
        .await
        .unwrap();
    // An internal note never reaches the customer.
    let note =
        json!({"ticket": opened.id, "title": "Note", "comment": "internal", "public": false});
    followups::create(
        &test.db,
        &admin,
        dir.path(),
        crate::domain::followup::FollowUpInput::from_json(
            note.as_object().unwrap(),
            WriteMode::Create,
        ),
        vec![],
    )
    .await
    .unwrap();
    let seen = view(&test.db, opened.id, &opened.secret_key).await.unwrap();
    assert_eq!(seen.followups.len(), 1);
    assert_eq!(seen.followups[0].author.as_deref(), Some("You"));
    let mut wrong = opened.secret_key.clone();
    wrong.replace_range(0..1, if wrong.starts_with('0') { "1" } else { "0" });
    assert!(matches!(
        view(&test.db, opened.id, &wrong).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        view(&test.db, opened.id + 1, &opened.secret_key).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        view(&test.db, opened.id, "").await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn a_reply_reopens_a_finished_ticket_and_the_customer_closes_and_reopens() {
    let test = crate::service::db::testing::db().await;
    let (admin, q) = setup(&test.db).await;
    let dir = tempfile::tempdir().unwrap();
    let opened = open_ticket(&test.db, dir.path(), new_ticket(q))
        .await
        .unwrap();
    let (id, key) = (opened.id, opened.secret_key.as_str());
    let resolve = json!({"status": 3});
    tickets::update(
        &test.db,
        &admin,
        id,
        TicketInput::from_json(resolve.as_object().unwrap(), WriteMode::Update),
    )
    .await
    .unwrap();
    let reply_in = CustomerReply {
        comment: "Still smoking.".into(),
        files: vec![UploadedFile {
            field: "attachment".into(),
            filename: "smoke.txt".into(),
            content_type: "text/plain".into(),
            bytes: b"puff".to_vec(),
        }],
        message_id: Some("<m2@example.com>".into()),
        ..Default::default()
    };
    reply(&test.db, dir.path(), id, reply_in).await.unwrap();
    let t = tickets::get(&test.db, &admin, id).await.unwrap();
    assert_eq!(t.status, TicketStatus::Reopened);
    let last = t.followup_set.last().unwrap();
    assert_eq!(last.comment.as_deref(), Some("Still smoking."));
    assert_eq!(last.followupattachment_set.len(), 1);
    let file = last.followupattachment_set[0].id;
    let (_, bytes) = download(&test.db, dir.path(), id, key, file).await.unwrap();
    assert_eq!(bytes, b"puff");
    assert!(matches!(
        download(&test.db, dir.path(), id, "nope", file).await,
        Err(AppError::NotFound)
    ));
    // A blank reply is refused, naming the field.
    let blank = CustomerReply::default();
    let Err(AppError::Validation(bag)) = reply(&test.db, dir.path(), id, blank).await else {
        panic!("expected a validation error");
    };
    assert_eq!(bag.keys().collect::<Vec<_>>(), ["comment"]);

    assert!(matches!(
        set_status(&test.db, id, key, StatusRequest::Reopen).await,
        Err(AppError::Validation(_))
    ));
    set_status(&test.db, id, key, StatusRequest::Close)
        .await
        .unwrap();
    assert_eq!(
        tickets::get(&test.db, &admin, id).await.unwrap().status,
        TicketStatus::Closed
    );
    set_status(&test.db, id, key, StatusRequest::Reopen)
        .await
        .unwrap();
    assert_eq!(
        tickets::get(&test.db, &admin, id).await.unwrap().status,
        TicketStatus::Reopened
    );
    assert!(matches!(
        set_status(&test.db, id, "wrong", StatusRequest::Close).await,
        Err(AppError::NotFound)
    ));
}

#[test]
fn keys_compare_whole() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
    assert!(!constant_time_eq(b"", b"a"));
}
