//! Tests of the credential cache on its own: keys, expiry, bounds and invalidation.

use domain::{PasswordHash, Timestamp};

use super::*;
use crate::test_support::start;

fn hash(text: &str) -> PasswordHash {
    PasswordHash::from_stored(text)
}

fn key(cache: &CredentialCache, user_id: &str, password: &str) -> CacheKey {
    cache
        .key(user_id, "bob@hbtn.io", password, &hash("$argon2id$stored"))
        .expect("the cache is on")
}

fn at(seconds: i64) -> Timestamp {
    start().plus_seconds(seconds)
}

#[test]
fn a_remembered_check_is_fresh_until_its_ttl_ends() {
    let cache = CredentialCache::new(60, 10);
    let k = key(&cache, "u1", "pw");
    assert!(!cache.is_fresh(&k, at(0)), "nothing remembered yet");
    cache.remember(k, "u1", at(0));
    assert!(cache.is_fresh(&k, at(0)));
    assert!(cache.is_fresh(&k, at(59)));
    assert!(!cache.is_fresh(&k, at(60)), "the TTL is over");
    assert_eq!(cache.len(), 0, "the expired entry was dropped on the way");
}

#[test]
fn a_clock_that_goes_back_ends_an_entry() {
    let cache = CredentialCache::new(60, 10);
    let k = key(&cache, "u1", "pw");
    cache.remember(k, "u1", at(100));
    assert!(!cache.is_fresh(&k, at(99)));
}

#[test]
fn every_part_of_the_credentials_changes_the_key() {
    let cache = CredentialCache::new(60, 10);
    let stored = hash("$argon2id$stored");
    let base = cache.key("u1", "a@b.c", "pw", &stored);
    assert!(base.is_some());
    assert_ne!(base, cache.key("u2", "a@b.c", "pw", &stored));
    assert_ne!(base, cache.key("u1", "x@b.c", "pw", &stored));
    assert_ne!(base, cache.key("u1", "a@b.c", "pw2", &stored));
    assert_ne!(
        base,
        cache.key("u1", "a@b.c", "pw", &hash("$argon2id$other"))
    );
    // Moving a character across the boundary of two parts is a different tuple.
    assert_ne!(
        cache.key("u1", "a@b.cp", "w", &stored),
        cache.key("u1", "a@b.c", "pw", &stored)
    );
    assert_eq!(
        base,
        cache.key("u1", "a@b.c", "pw", &stored),
        "deterministic"
    );
}

#[test]
fn keys_depend_on_a_secret_of_each_cache() {
    let stored = hash("$argon2id$stored");
    let one = CredentialCache::new(60, 10).key("u1", "a@b.c", "pw", &stored);
    let two = CredentialCache::new(60, 10).key("u1", "a@b.c", "pw", &stored);
    assert_ne!(one, two, "without the secret a key cannot be recomputed");
}

#[test]
fn the_key_holds_nothing_of_the_password() {
    let cache = CredentialCache::new(60, 10);
    let password = "correct horse battery staple";
    let k = key(&cache, "u1", password);
    let shown = format!("{k:?}");
    assert!(!shown.contains(password));
    assert_eq!(std::mem::size_of::<CacheKey>(), 32, "only the MAC is kept");
}

#[test]
fn the_cache_never_holds_more_than_its_bound_and_drops_the_oldest_first() {
    let cache = CredentialCache::new(600, 3);
    let keys: Vec<CacheKey> = (0..5)
        .map(|i| key(&cache, "u1", &format!("pw{i}")))
        .collect();
    for (i, k) in keys.iter().enumerate() {
        cache.remember(*k, "u1", at(i as i64));
        assert!(cache.len() <= 3);
    }
    let now = at(5);
    assert!(!cache.is_fresh(&keys[0], now));
    assert!(!cache.is_fresh(&keys[1], now));
    for k in &keys[2..] {
        assert!(cache.is_fresh(k, now));
    }
}

#[test]
fn a_full_cache_drops_expired_entries_before_live_ones() {
    let cache = CredentialCache::new(10, 3);
    let old = key(&cache, "u1", "old");
    let live_a = key(&cache, "u1", "a");
    let live_b = key(&cache, "u1", "b");
    let newest = key(&cache, "u1", "new");
    cache.remember(old, "u1", at(0));
    cache.remember(live_a, "u1", at(8));
    cache.remember(live_b, "u1", at(9));
    // At 12 the first entry has expired: it goes, and both live ones stay.
    cache.remember(newest, "u1", at(12));
    assert_eq!(cache.len(), 3);
    assert!(cache.is_fresh(&live_a, at(12)));
    assert!(cache.is_fresh(&live_b, at(12)));
    assert!(cache.is_fresh(&newest, at(12)));
}

#[test]
fn remembering_a_key_again_restarts_its_ttl_without_duplicating_it() {
    let cache = CredentialCache::new(10, 5);
    let k = key(&cache, "u1", "pw");
    cache.remember(k, "u1", at(0));
    cache.remember(k, "u1", at(8));
    assert_eq!(cache.len(), 1);
    assert!(cache.is_fresh(&k, at(17)));
}

#[test]
fn forgetting_a_user_drops_only_their_entries() {
    let cache = CredentialCache::new(60, 10);
    let mine = key(&cache, "u1", "pw");
    let mine_too = key(&cache, "u1", "pw2");
    let theirs = key(&cache, "u2", "pw");
    cache.remember(mine, "u1", at(0));
    cache.remember(mine_too, "u1", at(0));
    cache.remember(theirs, "u2", at(0));
    cache.forget_user("u1");
    assert!(!cache.is_fresh(&mine, at(1)));
    assert!(!cache.is_fresh(&mine_too, at(1)));
    assert!(cache.is_fresh(&theirs, at(1)));
}

#[test]
fn a_zero_ttl_or_size_turns_the_cache_off() {
    for cache in [
        CredentialCache::new(0, 10),
        CredentialCache::new(60, 0),
        CredentialCache::disabled(),
    ] {
        assert_eq!(cache.key("u1", "a@b.c", "pw", &hash("$argon2id$x")), None);
        cache.forget_user("u1");
        assert_eq!(cache.len(), 0);
    }
}

#[test]
fn an_enormous_ttl_saturates_instead_of_overflowing() {
    let cache = CredentialCache::new(u64::MAX, 10);
    let k = key(&cache, "u1", "pw");
    cache.remember(k, "u1", at(0));
    assert!(cache.is_fresh(&k, at(10 * 365 * 24 * 3600)));
}
