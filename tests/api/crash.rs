//! No acknowledged write is lost when the server is killed: clients stream ticket creations
//! and followups, each with an attachment, while the server gets SIGKILL at a random moment,
//! several times over. After each restart every write answered 201 is there with its followup
//! and its file (same bytes), nothing half-written is visible, and the database is intact.
//! Run once per attachment store (files under the media root, bytes in the database).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::*;
use crate::load::*;

const ROUNDS: usize = 5;
const WRITERS: usize = 4;

/// What the server acknowledged: (ticket id, its file) and (followup id, ticket, its file).
#[derive(Default, Clone)]
struct Acked {
    tickets: Vec<(i64, Vec<u8>)>,
    followups: Vec<(i64, i64, Vec<u8>)>,
}

async fn write_until_it_dies(
    base: String,
    queue: i64,
    writer: usize,
    round: usize,
    seed: u64,
    acked: Arc<Mutex<Acked>>,
) {
    let client = reqwest::Client::new();
    let mut rng = Rng::from_seed(seed);
    for n in 0.. {
        let len = rng.range(1, 40_000) as usize;
        let file = rng.bytes(len);
        let title = format!("r{round}-w{writer}-{n}");
        let Some((status, body)) =
            post_ticket_with_file(&client, &base, queue, &title, &file).await
        else {
            return;
        };
        assert_eq!(status, 201, "{title}: {body}");
        let id = body["id"].as_i64().unwrap();
        acked.lock().unwrap().tickets.push((id, file));
        let len = rng.range(1, 40_000) as usize;
        let file = rng.bytes(len);
        let Some((status, body)) =
            post_followup_with_file(&client, &base, id, &format!("{title}-f"), &file).await
        else {
            return;
        };
        assert_eq!(status, 201, "{title} followup: {body}");
        let fid = body["id"].as_i64().unwrap();
        acked.lock().unwrap().followups.push((fid, id, file));
    }
}

/// Every acknowledged write is readable through the API, with its file's exact bytes.
async fn assert_all_acked_present(app: &TestApp, acked: &Acked) {
    for (id, file) in &acked.tickets {
        let (status, t) = admin_json(
            app,
            reqwest::Method::GET,
            &format!("/api/tickets/{id}/"),
            None,
        )
        .await;
        assert_eq!(status, 200, "acknowledged ticket {id} is gone");
        let opened = &t["followup_set"][0];
        assert!(
            opened["title"]
                .as_str()
                .unwrap()
                .starts_with("Ticket Opened"),
            "ticket {id}: {t}"
        );
        let att = &opened["followupattachment_set"][0];
        assert_download(app, att, file, &format!("ticket {id}")).await;
    }
    for (fid, tid, file) in &acked.followups {
        let (status, f) = admin_json(
            app,
            reqwest::Method::GET,
            &format!("/api/followups/{fid}/"),
            None,
        )
        .await;
        assert_eq!(status, 200, "acknowledged followup {fid} is gone");
        assert_eq!(f["ticket"].as_i64(), Some(*tid));
        let att = &f["followupattachment_set"][0];
        assert_download(app, att, file, &format!("followup {fid}")).await;
    }
}

async fn assert_download(app: &TestApp, att: &serde_json::Value, want: &[u8], what: &str) {
    let id = att["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{what}: no attachment: {att}"));
    let resp = app
        .admin(
            reqwest::Method::GET,
            &format!("/api/followups-attachments/{id}/download/"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{what}: attachment {id}");
    let got = resp.bytes().await.unwrap();
    assert!(
        got[..] == want[..],
        "{what}: attachment {id} has other bytes"
    );
}

crate::each_store!(every_acknowledged_write_survives_sigkill_at_a_random_moment);
async fn every_acknowledged_write_survives_sigkill_at_a_random_moment(
    attachments: AttachmentStore,
) {
    let store = Store::new();
    let mut rng = Rng::new("crash");
    let mut app = store.serve_with(&[attachments.env()]);
    let queue = make_queue(&app, "crash").await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    for round in 0..ROUNDS {
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(write_until_it_dies(
                    app.base.clone(),
                    queue,
                    w,
                    round,
                    rng.next() | 1,
                    acked.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.range(300, 1500))).await;
        // SIGKILL: no chance to finish anything.
        app.child.kill().unwrap();
        app.child.wait().unwrap();
        for w in writers {
            w.await.expect("a writer saw a wrong answer");
        }
        drop(app);
        app = store.serve_with(&[attachments.env()]);
        let pool = store.pool().await;
        assert_integrity(&pool).await;
        assert_nothing_half_written(&pool, &store.media()).await;
        if attachments == AttachmentStore::Database {
            assert_eq!(
                files_under(&store.media()),
                Vec::<std::path::PathBuf>::new()
            );
        }
        pool.close().await;
        let snapshot = acked.lock().unwrap().clone();
        assert_all_acked_present(&app, &snapshot).await;
        eprintln!(
            "crash round {round}: {} tickets and {} followups acknowledged so far",
            snapshot.tickets.len(),
            snapshot.followups.len()
        );
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.tickets.len() >= ROUNDS,
        "too few writes to mean anything: {}",
        acked.tickets.len()
    );
    // A write the kill caught between its commit and its answer is stored, unacknowledged.
    let pool = store.pool().await;
    let (tickets, followups): (i64, i64) = sqlx::query_as(
        "select (select count(*) from tickets), \
         (select count(*) from followups where title is null)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    let unanswered = (tickets + followups) as usize - acked.tickets.len() - acked.followups.len();
    eprintln!(
        "crash: {ROUNDS} kills, {} tickets and {} followups acknowledged, {unanswered} stored \
         but unanswered",
        acked.tickets.len(),
        acked.followups.len()
    );
}
