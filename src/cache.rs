//! Small in-process caches for the hot read paths. Each entry lives a short, fixed time, so a
//! change made by another server process is seen within that time; the process that makes a
//! change removes the entry at once.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// A map whose entries expire `ttl` after insertion. Bounded: when full, it starts over, which
/// only costs the next lookups a trip to the database.
pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: RwLock<HashMap<K, (V, Instant)>>,
    /// Bumped by every removal; see [`Ticket`].
    generation: AtomicU64,
}

/// Taken before reading a value from the database and handed back to [`TtlCache::insert`].
/// A read that started before a change, and finished after the writer removed the entry,
/// would otherwise put the old value back for a whole TTL; its ticket is stale, so the
/// insert is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket(u64);

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    pub fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let entries = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(key)
            .filter(|(_, inserted)| inserted.elapsed() < self.ttl)
            .map(|(value, _)| value.clone())
    }

    /// Stores `value` unless an entry was removed since `ticket` was taken.
    pub fn insert(&self, ticket: Ticket, key: K, value: V) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    /// Call after the change is committed.
    pub fn remove<Q: Eq + Hash + ?Sized>(&self, key: &Q)
    where
        K: Borrow<Q>,
    {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(key);
    }

    /// Call after the change is committed.
    pub fn clear(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
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
    /// Organizations with their domains, by id, as `GET /organizations/{id}` answers them.
    /// Every change to an organization or its domains removes the entry after its commit.
    pub organizations: TtlCache<String, std::sync::Arc<crate::orgs::organization::Organization>>,
    /// Active directories by the hash of their SCIM bearer token. Rotation or deletion drops the
    /// entry in this process at once; other processes accept the old token for at most the TTL.
    pub scim_directories: TtlCache<String, entities::directories::Model>,
    /// Clients (the vendor's apps) by id. An update or deletion drops the entry in this process
    /// at once; other processes see it within the TTL.
    pub clients: TtlCache<String, std::sync::Arc<entities::clients::Model>>,
    /// The environment's social provider registrations, unsealed. A change elsewhere reaches this process
    /// within the TTL; the process that made it drops the entry after its commit.
    pub social_providers: TtlCache<crate::oidc::social::SocialProvider, crate::sso::registration::Stored>,
    /// Each organization's stored session rules (`None`: the defaults), which every refresh in the
    /// organization evaluates. A policy change drops the entry in this process after its commit;
    /// other processes enforce the new rules within the TTL.
    pub session_rules: TtlCache<String, Option<crate::policy::evaluate::OrgPolicy>>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            api_keys: TtlCache::new(Duration::from_secs(5), 10_000),
            signing_key: TtlCache::new(Duration::from_secs(30), 1),
            organizations: TtlCache::new(Duration::from_secs(1), 10_000),
            scim_directories: TtlCache::new(Duration::from_secs(5), 10_000),
            clients: TtlCache::new(Duration::from_secs(5), 1_000),
            social_providers: TtlCache::new(Duration::from_secs(5), 3),
            session_rules: TtlCache::new(Duration::from_secs(1), 10_000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_are_removed_and_capacity_is_bounded() {
        let cache = TtlCache::new(Duration::from_millis(50), 2);
        cache.insert(cache.ticket(), "a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.remove(&"a");
        assert_eq!(cache.get(&"a"), None, "removed");

        cache.insert(cache.ticket(), "a", 1);
        cache.insert(cache.ticket(), "b", 2);
        cache.insert(cache.ticket(), "c", 3);
        assert_eq!(
            (cache.get(&"a"), cache.get(&"c")),
            (None, Some(3)),
            "full: started over"
        );

        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&"c"), None, "expired");
    }

    #[test]
    fn a_read_that_raced_a_change_does_not_put_the_old_value_back() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        let before_change = cache.ticket();
        // The writer commits and removes the entry while the reader still holds the old value.
        cache.remove(&"org");
        cache.insert(before_change, "org", "old name");
        assert_eq!(cache.get(&"org"), None, "stale insert dropped");

        let after_change = cache.ticket();
        cache.insert(after_change, "org", "new name");
        assert_eq!(cache.get(&"org"), Some("new name"));

        let before_clear = cache.ticket();
        cache.clear();
        cache.insert(before_clear, "other", "old");
        assert_eq!(cache.get(&"other"), None, "clear makes older tickets stale too");
    }
}
