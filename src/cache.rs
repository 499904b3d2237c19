//! Small in-process caches for the hot read paths. Each entry lives a short, fixed time, so a
//! change made by another server process is seen within that time; the process that makes a
//! change removes the entry at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// A map whose entries expire `ttl` after insertion. Bounded: when full, it starts over, which
/// only costs the next lookups a trip to the database.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: RwLock<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: RwLock::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(key)
            .filter(|(_, inserted)| inserted.elapsed() < self.ttl)
            .map(|(value, _)| value.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    pub fn remove(&self, key: &K) {
        self.entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(key);
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}

/// The caches a server process keeps.
pub struct Caches {
    /// Live API keys by the hash of the presented key. A revoked key is refused by this process
    /// at once and by other processes within the TTL.
    pub api_keys: TtlCache<String, crate::ids::ApiKeyId>,
    /// The active signing key, unsealed and parsed. After a rotation elsewhere this process
    /// signs with the old key for at most the TTL; that key stays published in the JWKS, so
    /// its tokens keep verifying.
    pub signing_key: TtlCache<(), crate::sessions::signing_keys::ActiveKey>,
    /// Active directories by the hash of their SCIM bearer token. Rotation or deletion drops the
    /// entry in this process at once; other processes accept the old token for at most the TTL.
    pub scim_directories: TtlCache<String, entities::directories::Model>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            api_keys: TtlCache::new(Duration::from_secs(5), 10_000),
            signing_key: TtlCache::new(Duration::from_secs(30), 1),
            scim_directories: TtlCache::new(Duration::from_secs(5), 10_000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_are_removed_and_capacity_is_bounded() {
        let cache = TtlCache::new(Duration::from_millis(50), 2);
        cache.insert("a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.remove(&"a");
        assert_eq!(cache.get(&"a"), None, "removed");

        cache.insert("a", 1);
        cache.insert("b", 2);
        cache.insert("c", 3);
        assert_eq!(
            (cache.get(&"a"), cache.get(&"c")),
            (None, Some(3)),
            "full: started over"
        );

        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&"c"), None, "expired");
    }
}
