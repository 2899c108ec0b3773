//! Exact read caches for what every request asks and few requests change: list counts, custom
//! field definitions, the ticket form's choices and a remembered Basic-auth user.
//!
//! Each database (`Db`) has its own caches and its own `DataVersion`, so two databases in one
//! process (the tests run many) never see each other's entries or writes. An entry is used
//! only while nothing has been written since it was read. Two counters say so: `rows` counts
//! row changes as SQLite makes them (an update hook on every pooled connection, so no write
//! path can forget it), and `commits` is bumped after each `WriteTx` commits. A reader notes
//! both before it queries and stores its result under them; the entry is valid while both are
//! unchanged. A write made through `begin_write` thus invalidates entries read during its
//! transaction as well as before it. Writes from another process (the `seed` command, say)
//! are not seen by the counters, so entries also expire after `MAX_AGE`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::custom_field::CustomField;
use crate::domain::queue::Queue;
use crate::domain::user::User;

/// How long an entry may be used at most, whatever the counters say.
pub const MAX_AGE: Duration = Duration::from_secs(2);

/// The state of the data as of now; compare with a later one to tell whether anything was
/// written in between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    commits: u64,
}

/// One database's write counter (see the module's comment).
#[derive(Debug, Default)]
pub struct DataVersion {
    commits: AtomicU64,
}

impl DataVersion {
    pub fn now(&self) -> Version {
        Version {
            commits: self.commits.load(Ordering::Acquire),
        }
    }

    /// Called after a write has committed (its changes are visible to readers).
    pub(crate) fn committed(&self) {
        self.commits.fetch_add(1, Ordering::AcqRel);
    }
}

/// Every read cache of one database.
pub struct Caches {
    /// Users by id with their password hash: the session's user, a remembered Basic-auth user.
    pub users: VersionedCache<i64, Option<(User, String)>>,
    /// Active staff, for assignee pickers.
    pub staff: VersionedCache<(), Vec<User>>,
    pub custom_fields: VersionedCache<(), Vec<CustomField>>,
    pub queues: VersionedCache<(), Vec<Queue>>,
    /// Ticket counts by filter (the SQL condition and its values).
    pub ticket_counts: VersionedCache<String, u64>,
}

impl Caches {
    /// Caches that keep nothing when not `enabled`.
    pub fn new(data: &Arc<DataVersion>, enabled: bool) -> Self {
        let size = |n: usize| if enabled { n } else { 0 };
        Self {
            users: VersionedCache::new(size(1024), data.clone()),
            staff: VersionedCache::new(size(1), data.clone()),
            custom_fields: VersionedCache::new(size(1), data.clone()),
            queues: VersionedCache::new(size(1), data.clone()),
            ticket_counts: VersionedCache::new(size(256), data.clone()),
        }
    }
}

/// A value, the data version it was read at and when it was stored.
type Entry<V> = (Version, Instant, V);

/// A bounded map of values read at a `Version`.
pub struct VersionedCache<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    capacity: usize,
    data: Arc<DataVersion>,
}

impl<K: Eq + Hash, V: Clone> VersionedCache<K, V> {
    pub fn new(capacity: usize, data: Arc<DataVersion>) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
            data,
        }
    }

    fn version(&self) -> Version {
        self.data.now()
    }

    /// The value stored for `key`, if nothing has been written since it was read.
    pub fn get(&self, key: &K) -> Option<V> {
        let now = self.version();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (at, stored, value) = entries.get(key)?;
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
        let at = self.version();
        let v = load().await?;
        self.put(key, at, v.clone());
        Ok(v)
    }

    /// Stores `value` for `key` as read at `at` (taken with `version()` before the read).
    pub fn put(&self, key: K, at: Version, value: V) {
        if self.capacity == 0 || at != self.version() {
            return;
        }
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.capacity {
            let now = self.version();
            map.retain(|_, (at, stored, _)| *at == now && stored.elapsed() < MAX_AGE);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(key, (at, Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (Arc<DataVersion>, VersionedCache<&'static str, u32>) {
        let data = Arc::new(DataVersion::default());
        (data.clone(), VersionedCache::new(4, data))
    }

    #[test]
    fn an_entry_is_used_until_a_write() {
        let (data, cache) = cache();
        cache.put("k", data.now(), 1);
        assert_eq!(cache.get(&"k"), Some(1));
        data.committed();
        assert_eq!(cache.get(&"k"), None);
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        let data = Arc::new(DataVersion::default());
        let caches = Caches::new(&data, false);
        caches.queues.put((), data.now(), Vec::new());
        assert!(caches.queues.get(&()).is_none());
    }

    #[test]
    fn a_value_read_across_a_write_is_not_stored() {
        let (data, cache) = cache();
        let at = data.now();
        data.committed();
        cache.put("k", at, 1);
        assert_eq!(cache.get(&"k"), None);
    }

    #[test]
    fn databases_do_not_share_versions() {
        let (data, cache) = cache();
        let (other, _) = self::cache();
        cache.put("k", data.now(), 1);
        other.committed();
        assert_eq!(cache.get(&"k"), Some(1));
    }
}
