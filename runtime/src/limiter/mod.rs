//! Client-side rate limiting: one GCRA (generic cell rate algorithm) limiter per
//! (credentials, service, action), shared by every client of the process.
//!
//! A call takes its slot only when it is admitted: waiters queue on a fair (FIFO) async lock
//! and the one at the head sleeps until its slot, holding the lock. A call whose wait is
//! cancelled (a timeout, a dropped future) leaves the queue without having taken anything, so
//! no storm of cancellations can push later calls back (issue 13.1: the earlier design
//! reserved the slot before sleeping and lost it when the sleeper was dropped). In any window
//! of `t` seconds at most `rate * t + burst` calls pass. Uses `tokio::time`, so tests can run
//! it on paused time.
//!
//! The documented rate is a limit of the account, not of a connection pool: two clients
//! built with the same SecretId (or the clones of one) share one limiter per action
//! (process-wide, keyed by a hash of the SecretId, the service, the action and the configured
//! rate and burst), as aws-sdk-rust shares its retry token buckets per partition.
//!
//! Across processes the same holds with [`SharedLimits`] ([`shared`]): a [`SharedBackend`]
//! (Redis with the `redis` feature: the `redis` module) keeps one GCRA state per (SecretId
//! digest, service, action) for the whole fleet, and this module's limiter is the fallback
//! while the backend is slow or unreachable. [`ActionLimiter`] is what a call acquires: the
//! local limiter alone, or the shared one in front of it.

#[cfg(feature = "redis")]
pub mod redis;
pub mod shared;

pub use shared::{BackendError, BackendFuture, SharedBackend, SharedLimits};

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use tokio::time::Instant;

use crate::ActionInfo;
use crate::config::RateLimitConfig;

/// A GCRA limiter: `rate` calls per second with a burst of `burst`.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    /// Theoretical arrival time of the next call; the async lock is the queue of waiters.
    tat: tokio::sync::Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `rate` calls per second (0 is taken as 1), `burst` at once (0 is taken as 1).
    pub fn new(rate: u32, burst: u32) -> Self {
        let interval = Duration::from_secs(1) / rate.max(1);
        Self { interval, tolerance: interval * (burst.max(1) - 1), tat: tokio::sync::Mutex::new(None) }
    }

    /// The spacing between calls (`1 / rate`).
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for the next slot and takes it. Cancel-safe: dropped before it returns, it has
    /// taken nothing.
    pub async fn acquire(&self) {
        // tokio's Mutex is fair: waiters are admitted in the order they arrived.
        let mut tat = self.tat.lock().await;
        self.take_local(&mut tat).await;
    }

    /// Waits for a slot of `key` in `shared` at the head of this limiter's queue, or, when
    /// the backend fails, for a local slot. A slot the backend granted is also recorded here,
    /// and the local spacing is kept before asking the backend: the process never exceeds
    /// the rate on its own, even when it switches between the two (a fallback in the middle
    /// of a run, a backend back with empty state).
    async fn acquire_shared(&self, shared: &SharedLimits, key: &str) {
        let mut tat = self.tat.lock().await;
        if let Some(t) = *tat {
            let now = Instant::now();
            if t.saturating_duration_since(now) > self.tolerance {
                tokio::time::sleep_until(t - self.tolerance).await;
            }
        }
        if shared.acquire(key, self.interval, self.tolerance).await {
            let now = Instant::now();
            *tat = Some(tat.map_or(now, |t| t.max(now)) + self.interval);
            return;
        }
        self.take_local(&mut tat).await;
    }

    async fn take_local(&self, tat: &mut Option<Instant>) {
        let now = Instant::now();
        let t = tat.map_or(now, |t| t.max(now));
        if t.duration_since(now) > self.tolerance {
            // Sleep at the head of the queue; the slot is taken below, only once admitted.
            tokio::time::sleep_until(t - self.tolerance).await;
        }
        let now = Instant::now();
        *tat = Some(tat.map_or(now, |t| t.max(now)) + self.interval);
    }
}

/// A stable 64-bit digest of a SecretId: what the process-wide registry keys on (the
/// SecretId itself is not kept).
fn credential_key(secret_id: &str) -> u64 {
    // `DefaultHasher::new()` has fixed keys: the same id gives the same key in every client.
    let mut h = DefaultHasher::new();
    secret_id.hash(&mut h);
    h.finish()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    credential: u64,
    service: &'static str,
    action: &'static str,
    rate: u32,
    burst: u32,
}

/// Every live limiter of the process. Entries are weak: a limiter lives as long as a client
/// that used it; dead entries are swept when a new limiter is made.
fn registry() -> &'static Mutex<HashMap<Key, Weak<RateLimiter>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<Key, Weak<RateLimiter>>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

fn shared_limiter(key: Key) -> Arc<RateLimiter> {
    // The map only holds weak pointers, valid even if a holder panicked: ignore poisoning.
    let mut map = registry().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(live) = map.get(&key).and_then(Weak::upgrade) {
        return live;
    }
    map.retain(|_, w| w.strong_count() > 0);
    let limiter = Arc::new(RateLimiter::new(key.rate, key.burst));
    map.insert(key, Arc::downgrade(&limiter));
    limiter
}

/// What a call to one action acquires: the process-wide local limiter, with or without a
/// [`SharedLimits`] in front of it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ActionLimiter {
    local: Arc<RateLimiter>,
    shared: Option<(SharedLimits, Arc<str>)>,
}

impl ActionLimiter {
    fn local(local: Arc<RateLimiter>) -> Self {
        Self { local, shared: None }
    }

    fn shared(local: Arc<RateLimiter>, shared: SharedLimits, key: Arc<str>) -> Self {
        Self { local, shared: Some((shared, key)) }
    }

    /// The key of the shared state, if the limit is shared.
    pub fn shared_key(&self) -> Option<&str> {
        self.shared.as_ref().map(|(_, key)| &**key)
    }

    /// Waits for the next slot and takes it: from the shared backend (bounded by its
    /// timeout) or, without one or while it fails, from the local limiter. Cancel-safe: a
    /// wait dropped before its slot was granted has taken nothing (a backend answer lost to
    /// the cancellation may cost the fleet one slot, never more).
    pub async fn acquire(&self) {
        match &self.shared {
            None => self.local.acquire().await,
            Some((shared, key)) => self.local.acquire_shared(shared, key).await,
        }
    }
}

/// The process-wide local limiter of (`secret_id`, `service`, `action`, `rate`, `burst`), as
/// a client without shared limits uses it.
pub fn local_limiter(secret_id: &str, service: &'static str, action: &'static str, rate: u32, burst: u32) -> ActionLimiter {
    ActionLimiter::local(shared_limiter(Key { credential: credential_key(secret_id), service, action, rate, burst }))
}

/// The limiters a client has used, created on first use of each (credentials, action) from
/// the process-wide registry; the local map keeps them alive and saves the global lock.
/// (credential key, service, action).
type LocalKey = (u64, &'static str, &'static str);

#[derive(Debug)]
pub(crate) struct Limiters {
    config: RateLimitConfig,
    shared: Option<SharedLimits>,
    map: Mutex<HashMap<LocalKey, ActionLimiter>>,
}

impl Limiters {
    pub(crate) fn new(config: RateLimitConfig, shared: Option<SharedLimits>) -> Self {
        Self { config, shared, map: Mutex::new(HashMap::new()) }
    }

    /// The limiter of `action` for calls signed with `secret_id`, if the action is limited.
    pub(crate) fn get(&self, action: &ActionInfo, secret_id: &str) -> Option<ActionLimiter> {
        let rate = self.config.rate_for(action.rate_limit)?;
        let credential = credential_key(secret_id);
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let limiter = map.entry((credential, action.service.name, action.name)).or_insert_with(|| {
            let (service, name, burst) = (action.service.name, action.name, self.config.burst());
            match &self.shared {
                Some(s) => s.limiter(secret_id, service, name, rate, burst),
                None => ActionLimiter::local(shared_limiter(Key { credential, service, action: name, rate, burst })),
            }
        });
        Some(limiter.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `n` concurrent acquires and returns each one's offset from the start.
    async fn burst(limiter: Arc<RateLimiter>, n: usize) -> Vec<Duration> {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..n {
            let l = Arc::clone(&limiter);
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                Instant::now() - start
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out.sort();
        out
    }

    /// Asserts that for every window [0, e] with e an arrival time, count <= rate*e + burst.
    fn assert_within(times: &[Duration], rate: u32, burst: u32) {
        for &e in times {
            let count = times.iter().filter(|&&t| t <= e).count() as f64;
            let allowed = f64::from(rate) * e.as_secs_f64() + f64::from(burst);
            assert!(count <= allowed + 1e-9, "{count} calls by {e:?} > {allowed}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn holds_100_calls_to_20_per_second() {
        let times = burst(Arc::new(RateLimiter::new(20, 1)), 100).await;
        assert_within(&times, 20, 1);
        // Counts per whole second: 21 in the first (t=0 and t=1s inclusive boundaries aside),
        // then 20 per second.
        let in_first_second = times.iter().filter(|t| **t < Duration::from_secs(1)).count();
        assert_eq!(in_first_second, 20);
        let total_by_5s = times.iter().filter(|t| **t < Duration::from_secs(5)).count();
        assert_eq!(total_by_5s, 100);
        assert_eq!(times.iter().filter(|t| **t == Duration::ZERO).count(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn burst_of_one_second_worth() {
        let times = burst(Arc::new(RateLimiter::new(20, 20)), 100).await;
        assert_within(&times, 20, 20);
        assert_eq!(times.iter().filter(|t| **t == Duration::ZERO).count(), 20);
        let in_first_second = times.iter().filter(|t| **t < Duration::from_secs(1)).count();
        assert_eq!(in_first_second, 39);
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_does_not_accumulate_beyond_burst() {
        let l = Arc::new(RateLimiter::new(10, 2));
        l.acquire().await;
        tokio::time::sleep(Duration::from_secs(30)).await;
        let times = burst(Arc::clone(&l), 10).await;
        assert_eq!(times.iter().filter(|t| **t == Duration::ZERO).count(), 2);
        assert_within(&times, 10, 2);
    }

    /// Regression (issue 13.1): `acquire` reserved its slot before sleeping and never gave
    /// it back when the future was dropped, so 200 calls cancelled by a 200 ms timeout left
    /// ~10 s of phantom reservations: the next call on an idle client waited for all of them.
    #[tokio::test(start_paused = true)]
    async fn cancelled_waits_give_their_slots_back() {
        let l = Arc::new(RateLimiter::new(20, 1));
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let l = Arc::clone(&l);
            tasks.push(tokio::spawn(async move {
                tokio::time::timeout(Duration::from_millis(200), l.acquire()).await.is_ok()
            }));
        }
        let mut passed = 0;
        for t in tasks {
            passed += usize::from(t.await.unwrap());
        }
        // 0, 50, 100, 150 ms, and 200 ms when its timer fires before the timeout's.
        assert!((4..=5).contains(&passed), "{passed} passed");
        // The client is idle from here: the next call waits at most one interval.
        let start = Instant::now();
        l.acquire().await;
        assert!(Instant::now() - start <= Duration::from_millis(50), "waited {:?}", Instant::now() - start);
        // And a storm in which every other waiter is cancelled keeps the rate for the rest.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let start = Instant::now();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let l = Arc::clone(&l);
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    tokio::time::timeout(Duration::from_millis(10), l.acquire()).await.ok().map(|()| Instant::now())
                } else {
                    l.acquire().await;
                    Some(Instant::now())
                }
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            if let Some(at) = t.await.unwrap() {
                times.push(at - start);
            }
        }
        times.sort();
        assert_within(&times, 20, 1);
        // 20 (or 21) calls got through; the last one by about 20 intervals, not 40.
        assert!(times.len() >= 20, "{}", times.len());
        assert!(*times.last().unwrap() <= Duration::from_millis(50 * 21), "{:?}", times.last());
    }

    #[test]
    fn limiters_are_per_action() {
        static SVC: crate::ServiceInfo =
            crate::ServiceInfo { name: "tcss", version: "v", default_host: "h", intl_host: None };
        static A: ActionInfo = ActionInfo { service: &SVC, name: "A", rate_limit: Some(20), idempotent: true, idempotency_token: None, unsigned: false };
        static A2: ActionInfo = ActionInfo { service: &SVC, name: "A", rate_limit: Some(20), idempotent: true, idempotency_token: None, unsigned: false };
        static B: ActionInfo = ActionInfo { service: &SVC, name: "B", rate_limit: Some(20), idempotent: true, idempotency_token: None, unsigned: false };
        static N: ActionInfo = ActionInfo { service: &SVC, name: "N", rate_limit: None, idempotent: true, idempotency_token: None, unsigned: false };
        let ls = Limiters::new(RateLimitConfig::default(), None);
        let id = "AKIDlimiters-are-per-action";
        assert!(Arc::ptr_eq(&ls.get(&A, id).unwrap().local, &ls.get(&A2, id).unwrap().local));
        assert!(!Arc::ptr_eq(&ls.get(&A, id).unwrap().local, &ls.get(&B, id).unwrap().local));
        assert!(ls.get(&N, id).is_none());
        assert!(Limiters::new(RateLimitConfig::disabled(), None).get(&A, id).is_none());
        // Regression (issue 13.8): a second client with the same SecretId had limiters of its
        // own, so two clients sent twice the documented rate. They share them now; other
        // credentials, or another configured rate, get their own.
        let other_client = Limiters::new(RateLimitConfig::default(), None);
        assert!(Arc::ptr_eq(&ls.get(&A, id).unwrap().local, &other_client.get(&A, id).unwrap().local));
        assert!(!Arc::ptr_eq(&ls.get(&A, id).unwrap().local, &other_client.get(&A, "AKIDsomeone-else").unwrap().local));
        let faster = Limiters::new(RateLimitConfig::default().with_rate_override(50), None);
        assert!(!Arc::ptr_eq(&ls.get(&A, id).unwrap().local, &faster.get(&A, id).unwrap().local));
        // The registry does not keep limiters of dropped clients alive.
        let weak = Arc::downgrade(&faster.get(&A, id).unwrap().local);
        drop(faster);
        assert!(weak.upgrade().is_none());
    }
}
