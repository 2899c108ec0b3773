//! Queues: where tickets are filed.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub email_address: Option<String>,
    pub allow_public_submission: bool,
    pub default_owner: Option<i64>,
}
