//! Exact read caches for what every request asks and few requests change: list counts, custom
//! field definitions, the ticket form's choices and a remembered Basic-auth user.
//!
//! An entry is used only while nothing has been written since it was read. Two counters say
//! so: `ROW_WRITES` counts row changes as SQLite makes them (an update hook on every pooled
//! connection, so no write path can forget it), and `COMMITS` is bumped after each
//! `WriteTx` commits. A reader notes both before it queries and stores its result under
//! them; the entry is valid while both are unchanged. A write made through `begin_write` thus
//! invalidates entries read during its transaction as well as before it. Writes from another
//! process (the `seed` command, say) are not seen by the counters, so entries also expire
//! after `MAX_AGE`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

static ROW_WRITES: AtomicU64 = AtomicU64::new(0);
static COMMITS: AtomicU64 = AtomicU64::new(0);

/// How long an entry may be used at most, whatever the counters say.
pub const MAX_AGE: Duration = Duration::from_secs(2);

/// Tables whose changes leave every cached value true (sessions are written at sign-in).
const IGNORED_TABLES: [&str; 1] = ["tower_sessions"];

/// The state of the data as of now; compare with a later one to tell whether anything was
/// written in between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    rows: u64,
    commits: u64,
}

pub fn version() -> Version {
    Version {
        commits: COMMITS.load(Ordering::Acquire),
        rows: ROW_WRITES.load(Ordering::Acquire),
    }
}

/// Called by SQLite for every row a statement changes, on the connection's thread.
pub(crate) fn row_changed(table: &str) {
    if !IGNORED_TABLES.contains(&table) {
        ROW_WRITES.fetch_add(1, Ordering::AcqRel);
    }
}

/// Called after a write transaction has committed (its changes are visible to readers).
pub(crate) fn committed() {
    COMMITS.fetch_add(1, Ordering::AcqRel);
}

/// A value, the data version it was read at and when it was stored.
type Entry<V> = (Version, Instant, V);

/// A bounded map of values read at a `Version`.
pub struct VersionedCache<K, V> {
    entries: Mutex<Option<HashMap<K, Entry<V>>>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> VersionedCache<K, V> {
    pub const fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(None),
            capacity,
        }
    }

    /// The value stored for `key`, if nothing has been written since it was read.
    pub fn get(&self, key: &K) -> Option<V> {
        let now = version();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (at, stored, value) = entries.as_ref()?.get(key)?;
        (*at == now && stored.elapsed() < MAX_AGE).then(|| value.clone())
    }

    /// The value for `key`: the stored one while it is valid, else what `load` reads (stored
    /// under the version noted before it ran).
    ///
    /// # Errors
    /// `load`'s error; nothing is stored then.
    pub async fn get_or_load<E, Fut>(&self, key: K, load: impl FnOnce() -> Fut) -> Result<V, E>
    where
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let at = version();
        let v = load().await?;
        self.put(key, at, v.clone());
        Ok(v)
    }

    /// Stores `value` for `key` as read at `at` (taken with `version()` before the read).
    pub fn put(&self, key: K, at: Version, value: V) {
        if at != version() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let map = entries.get_or_insert_with(HashMap::new);
        if map.len() >= self.capacity {
            let now = version();
            map.retain(|_, (at, stored, _)| *at == now && stored.elapsed() < MAX_AGE);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(key, (at, Instant::now(), value));
    }
}

/// A key part that tells databases apart (tests run many in one process).
pub fn database_key(pool: &sqlx::SqlitePool) -> String {
    pool.connect_options()
        .get_filename()
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stores `value`, runs `between`, reads it back: the read when no other test of this
    /// process wrote in the meantime (they share the counters), retried until one did not.
    fn read_back(
        cache: &VersionedCache<&'static str, u32>,
        value: u32,
        between: fn(),
    ) -> Option<u32> {
        for _ in 0..10_000 {
            let at = version();
            cache.put("k", at, value);
            between();
            let got = cache.get(&"k");
            if version() == at {
                return got;
            }
        }
        panic!("other tests never stopped writing");
    }

    #[test]
    fn an_entry_is_used_until_a_write_and_sessions_do_not_count() {
        let cache = VersionedCache::new(4);
        assert_eq!(read_back(&cache, 1, || {}), Some(1));
        assert_eq!(
            read_back(&cache, 2, || row_changed("tower_sessions")),
            Some(2)
        );
    }

    #[test]
    fn any_row_change_or_commit_drops_an_entry() {
        let cache = VersionedCache::new(4);
        cache.put("k", version(), 1);
        row_changed("tickets");
        assert_eq!(cache.get(&"k"), None);
        cache.put("k", version(), 2);
        committed();
        assert_eq!(cache.get(&"k"), None);
    }

    #[test]
    fn a_value_read_across_a_write_is_not_stored() {
        let cache = VersionedCache::new(4);
        let at = version();
        committed();
        cache.put("k", at, 1);
        assert_eq!(cache.get(&"k"), None);
    }
}
