//! Service tests for creating, changing, reading and bulk-changing tickets.

use super::*;
use crate::domain::input::WriteMode;
use crate::domain::page::PageRequest;
use crate::domain::queue::QueueInput;
use crate::domain::ticket::{TicketFilter, TicketInput};
use crate::service::db::Db;
use serde_json::json;

async fn setup(pool: &Db) -> (CurrentUser, i64) {
    let admin = users::create_superuser(pool, "admin", "", "s3cret-pass".into())
        .await
        .unwrap();
    let body = json!({"title": "IT", "slug": "it"});
    let q = queues::create(
        pool,
        &admin,
        QueueInput::from_json(body.as_object().unwrap(), WriteMode::Create),
    )
    .await
    .unwrap();
    (admin, q.id)
}

fn input(body: Value, mode: WriteMode) -> TicketInput {
    TicketInput::from_json(body.as_object().unwrap(), mode)
}

async fn rows(pool: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn creating_a_ticket_opens_it_with_a_first_followup() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let (admin, q) = setup(&pool).await;
    let dir = std::env::temp_dir();
    let body = json!({"queue": q, "title": "T", "description": "D", "status": 4});
    let t = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
        .await
        .unwrap();
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.followup_set.len(), 1);
    assert_eq!(t.followup_set[0].title.as_deref(), Some("Ticket Opened"));
    assert_eq!(t.followup_set[0].comment.as_deref(), Some("D"));
    assert_eq!(t.followup_set[0].user, Some(admin.id));
}

#[tokio::test]
async fn a_failed_validation_writes_nothing_and_reports_every_field() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let (admin, _) = setup(&pool).await;
    let dir = std::env::temp_dir();
    let body = json!({"queue": 99, "title": "", "assigned_to": 42});
    let err = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
        .await
        .unwrap_err();
    for f in ["queue", "title", "assigned_to"] {
        assert_eq!(err.field_messages(f).len(), 1, "{f}");
    }
    assert_eq!(rows(&pool, "tickets").await, 0);
    assert_eq!(rows(&pool, "followups").await, 0);
}

#[tokio::test]
async fn non_staff_are_refused_before_their_input_is_looked_at() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let (mut admin, _) = setup(&pool).await;
    admin.is_staff = false;
    admin.is_superuser = false;
    let dir = std::env::temp_dir();
    let err = create(
        &pool,
        &admin,
        &dir,
        input(json!({}), WriteMode::Create),
        vec![],
    )
    .await
    .unwrap_err();
    assert_eq!(err.status_code(), 403);
}

#[tokio::test]
async fn an_update_records_each_changed_field_on_one_followup() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let (admin, q) = setup(&pool).await;
    let dir = std::env::temp_dir();
    let t = create(
        &pool,
        &admin,
        &dir,
        input(json!({"queue": q, "title": "T"}), WriteMode::Create),
        vec![],
    )
    .await
    .unwrap();
    let body = json!({"status": 3, "priority": 1, "title": "T"});
    let u = update(&pool, &admin, t.id, input(body, WriteMode::Update))
        .await
        .unwrap();
    assert_eq!(u.status, TicketStatus::Resolved);
    assert_eq!(u.followup_set.len(), 2);
    assert_eq!(u.followup_set[1].title.as_deref(), Some("Resolved"));
    assert_eq!(u.followup_set[1].new_status, Some(TicketStatus::Resolved));
    let changes: Vec<(String, String, String)> =
        sqlx::query_as("select field, old_value, new_value from ticket_changes order by field")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        changes,
        vec![
            ("priority".into(), "3".into(), "1".into()),
            ("status".into(), "1".into(), "3".into()),
        ]
    );
}

#[tokio::test]
async fn a_page_of_tickets_carries_each_tickets_followups() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let (admin, q) = setup(&pool).await;
    let dir = std::env::temp_dir();
    for i in 0..3 {
        let body = json!({"queue": q, "title": format!("T{i}")});
        create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
            .await
            .unwrap();
    }
    let filter = TicketFilter::from_query(&[("ordering".into(), "-id".into())]);
    let page = PageRequest::parse(None, Some("2")).unwrap();
    let p = list(&pool, &admin, &filter, page).await.unwrap();
    assert_eq!(p.count, 3);
    let titles: Vec<&str> = p.items.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, vec!["T2", "T1"]);
    assert!(
        p.items
            .iter()
            .all(|t| t.followup_set.len() == 1 && t.followup_set[0].ticket == t.id)
    );
}

#[tokio::test]
async fn detail_lists_the_changes_and_counts_follow_the_statuses() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let (admin, q) = setup(&pool).await;
    let dir = std::env::temp_dir();
    let mut ids = Vec::new();
    for i in 0..3 {
        let body = json!({"queue": q, "title": format!("T{i}")});
        let t = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
            .await
            .unwrap();
        ids.push(t.id);
    }
    let body = json!({"status": 3, "assigned_to": admin.id});
    update(&pool, &admin, ids[0], input(body, WriteMode::Update))
        .await
        .unwrap();
    let body = json!({"assigned_to": admin.id});
    update(&pool, &admin, ids[1], input(body, WriteMode::Update))
        .await
        .unwrap();
    let d = detail(&pool, &admin, ids[0]).await.unwrap();
    let fields: Vec<&str> = d.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, vec!["assigned_to", "status"]);
    assert!(
        d.changes
            .iter()
            .all(|c| c.followup == d.ticket.followup_set[1].id)
    );
    let c = counts(&pool, &admin).await.unwrap();
    assert_eq!(c.by_status[0], (TicketStatus::Open, 2));
    assert_eq!(c.by_status[2], (TicketStatus::Resolved, 1));
    assert_eq!((c.mine_active, c.unassigned_active), (1, 1));
    let filter = TicketFilter {
        unassigned: true,
        ordering: "id",
        ..TicketFilter::default()
    };
    let page = list(&pool, &admin, &filter, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, ids[2]);
    let mut agent = admin.clone();
    agent.is_staff = false;
    agent.is_superuser = false;
    assert_eq!(counts(&pool, &agent).await.unwrap_err().status_code(), 403);
    assert_eq!(choices(&pool, &agent).await.unwrap_err().status_code(), 403);
    assert_eq!(
        detail(&pool, &agent, ids[0])
            .await
            .unwrap_err()
            .status_code(),
        403
    );
    let ch = choices(&pool, &admin).await.unwrap();
    assert_eq!(ch.queues.len(), 1);
    assert_eq!(ch.staff.len(), 1);
}

#[tokio::test]
async fn a_submitter_reads_and_comments_only_on_their_own_tickets() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let (admin, q) = setup(&pool).await;
    let dir = std::env::temp_dir();
    let body = json!({"queue": q, "title": "Mine", "submitter_email": "c@example.com"});
    let t = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
        .await
        .unwrap();
    let fu = json!({"ticket": t.id, "comment": "secret", "public": false});
    followups::create(
        &pool,
        &admin,
        &dir,
        crate::domain::ticket::FollowUpInput::from_json(fu.as_object().unwrap(), WriteMode::Create),
        vec![],
    )
    .await
    .unwrap();
    let mut customer =
        users::create_superuser(&pool, "customer", "c@example.com", "s3cret-pass".into())
            .await
            .unwrap();
    customer.is_staff = false;
    customer.is_superuser = false;
    let seen = get_for_submitter(&pool, &customer, t.id).await.unwrap();
    assert_eq!(seen.followups.len(), 1, "the internal note is hidden");
    comment_as_submitter(&pool, &customer, t.id, "  thanks  ")
        .await
        .unwrap();
    let seen = get_for_submitter(&pool, &customer, t.id).await.unwrap();
    assert_eq!(seen.followups[1].comment.as_deref(), Some("thanks"));
    let err = comment_as_submitter(&pool, &customer, t.id, " ")
        .await
        .unwrap_err();
    assert_eq!(err.field_messages("comment").len(), 1);
    customer.email = "other@example.com".into();
    let err = get_for_submitter(&pool, &customer, t.id).await.unwrap_err();
    assert_eq!(err, AppError::NotFound);
    let err = comment_as_submitter(&pool, &customer, t.id, "hi")
        .await
        .unwrap_err();
    assert_eq!(err, AppError::NotFound);
}

async fn version(pool: &Db, admin: &CurrentUser, id: i64) -> i64 {
    detail(pool, admin, id).await.unwrap().version
}

fn moved(seen: &mut i64, now: i64, what: &str) {
    assert!(now > *seen, "{what} did not move the version");
    *seen = now;
}

/// Issue 11.1: every write that changes a ticket or what hangs on it moves its version, and
/// a change based on an older version is refused with nothing written.
#[tokio::test]
async fn every_write_moves_the_version_and_a_stale_one_is_refused() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    use crate::domain::attachment::{AttachmentInput, UploadedFile};
    use crate::domain::ticket::FollowUpInput;
    let (admin, q) = setup(&pool).await;
    let dir = std::env::temp_dir().join(format!("helpdesk-version-{}", std::process::id()));
    let dir = dir.as_path();
    let body = json!({"queue": q, "title": "T"});
    let t = create(&pool, &admin, dir, input(body, WriteMode::Create), vec![])
        .await
        .unwrap();
    let mut seen = version(&pool, &admin, t.id).await;
    let fu = json!({"ticket": t.id, "comment": "c", "public": true});
    let f = followups::create(
        &pool,
        &admin,
        dir,
        FollowUpInput::from_json(fu.as_object().unwrap(), WriteMode::Create),
        vec![],
    )
    .await
    .unwrap();
    moved(&mut seen, version(&pool, &admin, t.id).await, "a followup");
    let file = UploadedFile {
        field: "file".into(),
        filename: "a.txt".into(),
        content_type: "text/plain".into(),
        bytes: b"abc".to_vec(),
    };
    let a = attachments::create(
        &pool,
        &admin,
        dir,
        AttachmentInput::from_parts(json!({"followup": f.id}).as_object().unwrap(), vec![file]),
    )
    .await
    .unwrap();
    moved(
        &mut seen,
        version(&pool, &admin, t.id).await,
        "an added file",
    );
    attachments::delete(&pool, &admin, dir, a.id).await.unwrap();
    moved(
        &mut seen,
        version(&pool, &admin, t.id).await,
        "a deleted file",
    );
    let edit = json!({"comment": "d"});
    followups::update(
        &pool,
        &admin,
        f.id,
        FollowUpInput::from_json(edit.as_object().unwrap(), WriteMode::Update),
    )
    .await
    .unwrap();
    moved(
        &mut seen,
        version(&pool, &admin, t.id).await,
        "an edited followup",
    );
    followups::delete(&pool, &admin, dir, f.id).await.unwrap();
    moved(
        &mut seen,
        version(&pool, &admin, t.id).await,
        "a deleted followup",
    );

    let stale = seen - 1;
    let body = json!({"title": "Stale"});
    let err = update_checked(
        &pool,
        &admin,
        t.id,
        input(body, WriteMode::Update),
        Some(stale),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status_code(), 409);
    assert!(
        err.to_string()
            .starts_with("This ticket was changed by admin at "),
        "{err}"
    );
    assert_eq!(get(&pool, &admin, t.id).await.unwrap().title, "T");
    let body = json!({"title": "Fresh"});
    update_checked(
        &pool,
        &admin,
        t.id,
        input(body, WriteMode::Update),
        Some(seen),
    )
    .await
    .unwrap();
    moved(&mut seen, version(&pool, &admin, t.id).await, "a change");
}

#[tokio::test]
async fn a_bulk_action_changes_or_deletes_every_selected_ticket() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let (admin, q) = setup(&pool).await;
    let dir = std::env::temp_dir();
    let mut ids = Vec::new();
    for i in 0..3 {
        let body = json!({"queue": q, "title": format!("T{i}")});
        let t = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
            .await
            .unwrap();
        ids.push(t.id);
    }
    let n = bulk(
        &pool,
        &admin,
        &dir,
        &ids[..2],
        BulkAction::Assign(Some(admin.id)),
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
    bulk(
        &pool,
        &admin,
        &dir,
        &ids[..1],
        BulkAction::SetStatus(TicketStatus::Closed),
    )
    .await
    .unwrap();
    let t0 = get(&pool, &admin, ids[0]).await.unwrap();
    assert_eq!(
        (t0.assigned_to, t0.status),
        (Some(admin.id), TicketStatus::Closed)
    );
    assert_eq!(
        t0.followup_set.len(),
        3,
        "each change is on the audit trail"
    );
    assert_eq!(get(&pool, &admin, ids[2]).await.unwrap().assigned_to, None);
    bulk(&pool, &admin, &dir, &ids[1..], BulkAction::Delete)
        .await
        .unwrap();
    assert_eq!(rows(&pool, "tickets").await, 1);
    let mut agent = admin.clone();
    agent.is_staff = false;
    let err = bulk(&pool, &agent, &dir, &ids[..1], BulkAction::Delete)
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), 403);
}

/// Issue 12.4: a stored status or priority that is none of ours (a bad import, a newer
/// version's value) is an error when read, never shown as another value (it once read as
/// Open).
#[tokio::test]
async fn an_unknown_stored_status_or_priority_is_an_error_not_open() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let (admin, q) = setup(&pool).await;
    let dir = std::env::temp_dir();
    let body = json!({"queue": q, "title": "T", "submitter_email": "c@example.com"});
    let t = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
        .await
        .unwrap();
    let mut customer =
        users::create_superuser(&pool, "customer", "c@example.com", "s3cret-pass".into())
            .await
            .unwrap();
    customer.is_staff = false;
    customer.is_superuser = false;
    for (column, bad) in [("status", 9), ("priority", 0)] {
        // The table's check constraint refuses such values; this row got past it.
        let mut conn = pool.acquire().await.unwrap();
        let off = match pool.backend() {
            crate::service::db::Backend::Sqlite => "pragma ignore_check_constraints = on".into(),
            crate::service::db::Backend::Postgres => {
                format!("alter table tickets drop constraint tickets_{column}_check")
            }
        };
        sqlx::query(&off).execute(&mut *conn).await.unwrap();
        sqlx::query(&format!("update tickets set {column} = $1 where id = $2"))
            .bind(bad)
            .bind(t.id)
            .execute(&mut *conn)
            .await
            .unwrap();
        if pool.backend() == crate::service::db::Backend::Sqlite {
            sqlx::query("pragma ignore_check_constraints = off")
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        drop(conn);
        let all = PageRequest::default();
        let filter = TicketFilter {
            ordering: "id",
            ..TicketFilter::default()
        };
        let errors = [
            get(&pool, &admin, t.id).await.unwrap_err(),
            detail(&pool, &admin, t.id).await.unwrap_err(),
            list(&pool, &admin, &filter, all).await.unwrap_err(),
            list_summaries(&pool, &admin, &filter, all)
                .await
                .unwrap_err(),
            get_for_submitter(&pool, &customer, t.id).await.unwrap_err(),
            list_for_submitter(&pool, &customer, all).await.unwrap_err(),
            update(
                &pool,
                &admin,
                t.id,
                input(json!({"title": "U"}), WriteMode::Update),
            )
            .await
            .unwrap_err(),
        ];
        for (i, err) in errors.into_iter().enumerate() {
            assert_eq!(err, AppError::Internal, "{column} = {bad}, read {i}");
            assert_eq!(err.status_code(), 500);
        }
        if column == "status" {
            assert_eq!(counts(&pool, &admin).await.unwrap_err(), AppError::Internal);
            let err = comment_as_submitter(&pool, &customer, t.id, "hi")
                .await
                .unwrap_err();
            assert_eq!(err, AppError::Internal);
        }
        sqlx::query(&format!("update tickets set {column} = 1 where id = $1"))
            .bind(t.id)
            .execute(&pool)
            .await
            .unwrap();
    }
}
