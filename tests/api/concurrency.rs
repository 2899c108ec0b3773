//! 64 clients at once change one ticket (PATCH), add followups to it (some changing its
//! status) and create tickets, for a few seconds: no request fails, each PATCH answers with
//! its own change, every acknowledged change is in the audit trail in order (each old value
//! is the previous new value), and the ticket ends as the last recorded write left it.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

const CLIENTS: usize = 64;
const SECONDS: u64 = 4;

#[derive(Default)]
struct Seen {
    /// title sent -> priority sent, for each acknowledged PATCH.
    patches: HashMap<String, i64>,
    followups: Vec<i64>,
    tickets: Vec<i64>,
    /// Answers other than the expected 200/201, with the body.
    failures: Vec<(u16, String)>,
}

async fn client_loop(base: String, queue: i64, ticket: i64, c: usize) -> Seen {
    let client = reqwest::Client::new();
    let mut seen = Seen::default();
    let end = Instant::now() + Duration::from_secs(SECONDS);
    let mut n = 0;
    while Instant::now() < end {
        let tag = format!("c{c}-{n}");
        let (method, path, body, ok) = match (c + n) % 3 {
            0 => {
                let priority = ((c + n) % 5 + 1) as i64;
                (
                    Method::PATCH,
                    format!("/api/tickets/{ticket}/"),
                    json!({"title": tag, "priority": priority}),
                    200,
                )
            }
            1 => {
                // Every other followup moves the status between Open and Resolved.
                let status = if n % 2 == 0 { json!(3) } else { json!(1) };
                (
                    Method::POST,
                    "/api/followups/".to_owned(),
                    json!({"ticket": ticket, "comment": tag, "new_status": status}),
                    201,
                )
            }
            _ => (
                Method::POST,
                "/api/tickets/".to_owned(),
                json!({"queue": queue, "title": tag}),
                201,
            ),
        };
        let resp = client
            .request(method.clone(), format!("{base}{path}"))
            .basic_auth(ADMIN, Some(ADMIN_PASSWORD))
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        let status = resp.status().as_u16();
        let answer: serde_json::Value = resp.json().await.unwrap_or_default();
        if status != ok {
            seen.failures.push((status, answer.to_string()));
        } else if method == Method::PATCH {
            // The answer shows this request's change, not a later one.
            assert_eq!(
                (&answer["title"], &answer["priority"]),
                (&body["title"], &body["priority"]),
                "a PATCH answered with another request's change"
            );
            seen.patches.insert(tag, body["priority"].as_i64().unwrap());
        } else if path.starts_with("/api/followups") {
            seen.followups.push(answer["id"].as_i64().unwrap());
        } else {
            seen.tickets.push(answer["id"].as_i64().unwrap());
        }
        n += 1;
    }
    seen
}

/// Checks that a field's recorded changes chain from `initial`, and returns its last value.
fn assert_chain(
    field: &str,
    initial: &str,
    changes: &[(String, Option<String>, Option<String>)],
) -> String {
    let mut current = initial.to_owned();
    for (i, (_, old, new)) in changes.iter().filter(|(f, _, _)| f == field).enumerate() {
        assert_eq!(
            old.as_deref(),
            Some(current.as_str()),
            "{field} change #{i} does not start from the value before it"
        );
        let new = new.clone().unwrap();
        assert_ne!(new, current, "{field} change #{i} changes nothing");
        current = new;
    }
    current
}

#[tokio::test]
async fn sixty_four_clients_writing_at_once_lose_nothing_and_keep_the_audit_trail_in_order() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "busy").await;
    let t = make_ticket(&app, json!({"queue": queue, "title": "start"})).await;
    let ticket = t["id"].as_i64().unwrap();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| tokio::spawn(client_loop(app.base.clone(), queue, ticket, c)))
        .collect();
    let mut all = Seen::default();
    for task in tasks {
        let s = task.await.expect("a client failed");
        all.patches.extend(s.patches);
        all.followups.extend(s.followups);
        all.tickets.extend(s.tickets);
        all.failures.extend(s.failures);
    }
    assert!(
        all.failures.is_empty(),
        "failed requests: {:?}",
        &all.failures[..all.failures.len().min(5)]
    );
    eprintln!(
        "concurrency: {CLIENTS} clients, {SECONDS} s: {} patches, {} followups, {} tickets",
        all.patches.len(),
        all.followups.len(),
        all.tickets.len()
    );
    assert!(
        all.patches.len() >= CLIENTS / 3,
        "too few writes to mean anything"
    );

    let pool = connect(&app.db_url()).await;
    let changes: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "select c.field, c.old_value, c.new_value from ticket_changes c \
         join followups f on f.id = c.followup where f.ticket = $1 order by c.id",
    )
    .bind(ticket)
    .fetch_all(&pool)
    .await
    .unwrap();
    // Each acknowledged PATCH is recorded exactly once, and nothing else changed the title.
    let titles: Vec<&str> = changes
        .iter()
        .filter(|(f, _, _)| f == "title")
        .map(|(_, _, new)| new.as_deref().unwrap())
        .collect();
    assert_eq!(
        titles.len(),
        all.patches.len(),
        "one title change per acknowledged PATCH"
    );
    let distinct: HashSet<&str> = titles.iter().copied().collect();
    assert_eq!(distinct.len(), titles.len(), "a PATCH was recorded twice");
    for title in all.patches.keys() {
        assert!(
            distinct.contains(title.as_str()),
            "PATCH {title} is not in the audit trail"
        );
    }
    let last_title = assert_chain("title", "start", &changes);
    let last_priority = assert_chain("priority", "3", &changes);
    let last_status = assert_chain("status", "1", &changes);

    // The final state is the last recorded write's, both fields of it.
    let (status, now) =
        admin_json(&app, Method::GET, &format!("/api/tickets/{ticket}/"), None).await;
    assert_eq!(status, 200);
    assert_eq!(now["title"], json!(last_title));
    assert_eq!(now["priority"].as_i64(), Some(all.patches[&last_title]));
    assert_eq!(now["priority"].to_string(), last_priority);
    assert_eq!(now["status"].to_string(), last_status);

    // Every acknowledged followup and ticket is stored.
    let followups: HashSet<i64> = sqlx::query_scalar("select id from followups where ticket = $1")
        .bind(ticket)
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    for id in &all.followups {
        assert!(followups.contains(id), "followup {id} is missing");
    }
    let tickets: HashSet<i64> = sqlx::query_scalar("select id from tickets")
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    for id in &all.tickets {
        assert!(tickets.contains(id), "ticket {id} is missing");
    }
    pool.close().await;
}
