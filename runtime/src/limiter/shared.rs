//! Limits shared by a fleet: the [`SharedBackend`] interface (a store that keeps GCRA and
//! retry-budget state for many processes, such as Redis), and [`SharedLimits`], which puts
//! the process's own limiter behind it as the fallback.
//!
//! The documented rate (20 requests per second per action, say) is a limit of the account,
//! not of a process: N processes holding 20/s each send 20·N. With shared limits, every
//! process asks the backend before each call; the backend keeps one theoretical arrival time
//! (TAT) per (SecretId hash, service, action) and answers in one atomic step either "admitted"
//! (the slot is taken) or "not before `wait`" (nothing taken). Within a process the waiters
//! still queue on the local fair lock ([`super::RateLimiter`]), so only the head of each
//! process's queue talks to the backend.
//!
//! Each backend operation is bounded by [`SharedLimits::with_timeout`] (default
//! [`DEFAULT_SHARED_TIMEOUT`], 50 ms). A failure or a late answer starts an outage: one
//! `tracing` warning, then every call uses the local limiter (the process holds the
//! documented rate on its own) without asking the backend, until a probe after the reconnect
//! backoff (1 s doubling to 30 s by default) is answered; then one `info` line says so and
//! calls use the backend again. A call therefore never waits on the backend longer than the
//! timeout, and waits not at all during an outage.
//!
//! Keys are derived from a SHA-256 digest of the SecretId (never the SecretId itself), the
//! service and the action; every key expires on its own (the TAT horizon for rates,
//! [`BUDGET_TTL`] for budgets).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// Default bound on one backend operation: past it the call uses the local limiter.
pub const DEFAULT_SHARED_TIMEOUT: Duration = Duration::from_millis(50);
/// Default wait before the backend is asked again after a failure (doubling while it fails).
pub const DEFAULT_RECONNECT_BACKOFF: Duration = Duration::from_secs(1);
/// Default cap of the reconnect backoff.
pub const DEFAULT_RECONNECT_BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Default prefix of every key.
pub const DEFAULT_KEY_PREFIX: &str = "tc-runtime";
/// How long an untouched retry-budget key lives: a budget nobody used for that long is full
/// again.
pub const BUDGET_TTL: Duration = Duration::from_secs(600);
/// The longest a backend's "not before" answer is slept before asking again.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// The future of a [`SharedBackend`] operation.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// A backend operation failed. The message must hold no secret (no password, no SecretId).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendError {
    message: String,
}

impl BackendError {
    /// An error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BackendError {}

/// A store of limiter state shared by many processes. Every operation is atomic at the store
/// and uses the store's clock, so the clocks of the fleet's machines do not matter.
/// [`SharedLimits`] bounds each call by its timeout and falls back to the local limiter on an
/// error; `Debug` must not show credentials of the store.
pub trait SharedBackend: Send + Sync + fmt::Debug {
    /// GCRA on `key`: when a call may go now (its theoretical arrival time minus `tolerance`
    /// is not in the future), takes the slot (TAT advances by `interval`) and returns zero;
    /// otherwise takes nothing and returns how long until a slot is free. The key expires
    /// when its TAT has passed.
    fn gcra<'a>(&'a self, key: &'a str, interval: Duration, tolerance: Duration) -> BackendFuture<'a, Duration>;

    /// Retry budget `key` (absent: full, `capacity` tokens): takes `cost` tokens if there are
    /// that many and says whether it did. The key expires after `ttl` untouched.
    fn budget_take<'a>(&'a self, key: &'a str, cost: u32, capacity: u32, ttl: Duration) -> BackendFuture<'a, bool>;

    /// Gives `tokens` back to budget `key`, up to `capacity`.
    fn budget_refund<'a>(&'a self, key: &'a str, tokens: u32, capacity: u32, ttl: Duration) -> BackendFuture<'a, ()>;

    /// Called after an operation failed or timed out: drop the connection, say, so the next
    /// operation reconnects. Default: nothing.
    fn reset(&self) {}
}

#[derive(Clone, Debug)]
struct Settings {
    timeout: Duration,
    backoff_first: Duration,
    backoff_max: Duration,
    prefix: String,
}

#[derive(Debug, Default)]
struct Health {
    /// In an outage: the backend is not asked before this instant.
    down_until: Option<Instant>,
    /// The current reconnect backoff.
    backoff: Duration,
    /// An outage was announced and has not ended.
    outage: bool,
}

/// Rate limits and retry budgets shared through a [`SharedBackend`], with the process's own
/// limiter as the fallback (see the module docs). Cheap to clone; clones share the backend
/// connection and its health. Give it to [`crate::ClientBuilder::shared_limits`], or let
/// `ClientBuilder::redis_url` (feature `redis`) make one.
#[derive(Clone)]
pub struct SharedLimits {
    backend: Arc<dyn SharedBackend>,
    settings: Settings,
    health: Arc<Mutex<Health>>,
    fallbacks: Arc<AtomicU64>,
}

impl fmt::Debug for SharedLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedLimits")
            .field("backend", &self.backend)
            .field("timeout", &self.settings.timeout)
            .field("reconnect_backoff", &(self.settings.backoff_first, self.settings.backoff_max))
            .field("key_prefix", &self.settings.prefix)
            .finish_non_exhaustive()
    }
}

impl SharedLimits {
    /// Limits kept in `backend`, with the defaults: [`DEFAULT_SHARED_TIMEOUT`],
    /// [`DEFAULT_RECONNECT_BACKOFF`] to [`DEFAULT_RECONNECT_BACKOFF_MAX`], keys under
    /// [`DEFAULT_KEY_PREFIX`].
    pub fn new(backend: Arc<dyn SharedBackend>) -> Self {
        Self {
            backend,
            settings: Settings {
                timeout: DEFAULT_SHARED_TIMEOUT,
                backoff_first: DEFAULT_RECONNECT_BACKOFF,
                backoff_max: DEFAULT_RECONNECT_BACKOFF_MAX,
                prefix: DEFAULT_KEY_PREFIX.to_owned(),
            },
            health: Arc::default(),
            fallbacks: Arc::default(),
        }
    }

    /// Limits kept in the Redis server at `url` (`redis://[:password@]host[:port][/db]`,
    /// `redis+unix:///path`): see [`super::redis`]. Connects on first use, not here.
    #[cfg(feature = "redis")]
    pub fn redis(url: &str) -> Result<Self, crate::ConfigError> {
        let backend = super::redis::RedisBackend::open(url)?;
        Ok(Self::new(Arc::new(backend)))
    }

    /// The longest one backend operation may take before the call uses the local limiter
    /// (default 50 ms; 0 is taken as 1 ms).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// After a failure the backend is asked again after `first`, doubling up to `max` while
    /// it keeps failing (default 1 s to 30 s).
    pub fn with_reconnect_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.settings.backoff_first = first;
        self.settings.backoff_max = max.max(first);
        self
    }

    /// The prefix of every key (default `tc-runtime`), to keep fleets apart on one server.
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.settings.prefix = prefix.into();
        self
    }

    /// The bound on one backend operation.
    pub fn timeout(&self) -> Duration {
        self.settings.timeout
    }

    /// Whether the backend is in use (no outage under way).
    pub fn is_available(&self) -> bool {
        !self.health.lock().unwrap_or_else(PoisonError::into_inner).outage
    }

    /// How many operations used the local fallback because the backend failed, was slow, or
    /// was in an outage (since these limits were made; clones count together).
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn SharedBackend> {
        &self.backend
    }

    /// The key of the rate of `action` of `service` for calls signed with `secret_id`:
    /// `<prefix>:rate:<service>:<action>:<digest>`, the digest being the first 96 bits of a
    /// SHA-256 of the SecretId (in hex), never the SecretId.
    pub fn rate_key(&self, secret_id: &str, service: &str, action: &str) -> String {
        format!("{}:rate:{service}:{action}:{}", self.settings.prefix, secret_digest(secret_id))
    }

    /// The key of the retry budget of `service` at `target` (`https://host`):
    /// `<prefix>:budget:<service>:<target>`.
    pub fn budget_key(&self, target: &str, service: &str) -> String {
        format!("{}:budget:{service}:{target}", self.settings.prefix)
    }

    /// A limiter of `action` of `service` at `rate` per second with `burst`, shared by every
    /// process whose calls are signed with `secret_id`; its fallback is the process-wide local
    /// limiter of the same (credentials, service, action, rate, burst).
    pub fn limiter(
        &self,
        secret_id: &str,
        service: &'static str,
        action: &'static str,
        rate: u32,
        burst: u32,
    ) -> super::ActionLimiter {
        let local = super::shared_limiter(super::Key {
            credential: super::credential_key(secret_id),
            service,
            action,
            rate,
            burst,
        });
        super::ActionLimiter::shared(local, self.clone(), self.rate_key(secret_id, service, action).into())
    }

    /// Runs one backend operation under the timeout. `None`: use the local fallback (the
    /// operation failed or was late, or the backend is in an outage and not due for a probe).
    pub(crate) async fn run<'a, T>(
        &'a self,
        op: impl FnOnce(&'a dyn SharedBackend) -> BackendFuture<'a, T>,
    ) -> Option<T> {
        if !self.may_ask() {
            self.fallbacks.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let reason = match tokio::time::timeout(self.settings.timeout, op(&*self.backend)).await {
            Ok(Ok(value)) => {
                self.up();
                return Some(value);
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {:?}", self.settings.timeout),
        };
        self.backend.reset();
        self.down(&reason);
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        None
    }

    /// Whether to ask the backend now. In an outage whose backoff has passed, the first
    /// caller becomes the probe and the others keep to the fallback until it is answered.
    fn may_ask(&self) -> bool {
        let mut h = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        match h.down_until {
            None => true,
            Some(until) => {
                let now = Instant::now();
                if now < until {
                    return false;
                }
                // Reserve the probe: others wait for it no longer than the timeout.
                h.down_until = Some(now + self.settings.timeout);
                true
            }
        }
    }

    fn up(&self) {
        let mut h = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        if h.down_until.is_none() && !h.outage {
            return;
        }
        h.down_until = None;
        h.backoff = Duration::ZERO;
        if std::mem::take(&mut h.outage) {
            tracing::info!(backend = ?self.backend, "tc-runtime: shared rate limits answer again; using them");
        }
    }

    fn down(&self, reason: &str) {
        let mut h = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        let s = &self.settings;
        h.backoff = if h.outage { (h.backoff * 2).clamp(s.backoff_first, s.backoff_max) } else { s.backoff_first };
        h.down_until = Some(Instant::now() + h.backoff);
        if !h.outage {
            h.outage = true;
            tracing::warn!(
                backend = ?self.backend,
                reason,
                retry_in_ms = u64::try_from(h.backoff.as_millis()).unwrap_or(u64::MAX),
                "tc-runtime: shared rate limits unavailable; each process holds the limits on its own until they answer again"
            );
        }
    }

    /// Takes a slot of `key` from the backend, sleeping between "not before" answers.
    /// `false`: the backend failed; the caller falls back to the local limiter.
    pub(crate) async fn acquire(&self, key: &str, interval: Duration, tolerance: Duration) -> bool {
        loop {
            match self.run(|b| b.gcra(key, interval, tolerance)).await {
                Some(wait) if wait.is_zero() => return true,
                // Other members of the fleet hold the slots until then: ask again.
                Some(wait) => tokio::time::sleep(wait.min(MAX_WAIT)).await,
                None => return false,
            }
        }
    }
}

/// The first 96 bits of SHA-256("tc-runtime/rate-limit\0" + SecretId), in hex: stable across
/// processes, builds and Rust versions (unlike `DefaultHasher`), and not the SecretId.
fn secret_digest(secret_id: &str) -> String {
    let digest = Sha256::new().chain_update(b"tc-runtime/rate-limit\0").chain_update(secret_id.as_bytes()).finalize();
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// `url` with its user info (`user:password@`) and its query (`?password=…`) replaced by
/// `***`: what `Debug`, errors and logs show of a Redis URL.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    // The last `@` ends the user info, even when a password holds an unencoded `@` or `/`.
    let rest = match rest.rfind('@') {
        Some(i) => format!("***{}", &rest[i..]),
        None => rest.to_owned(),
    };
    let rest = match rest.split_once('?') {
        Some((head, _)) => format!("{head}?***"),
        None => rest,
    };
    format!("{scheme}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::AtomicBool;

    /// An in-memory backend on tokio's clock that can be made to fail or hang.
    #[derive(Debug, Default)]
    struct Fake {
        tat: Mutex<HashMap<String, Instant>>,
        failing: AtomicBool,
        hanging: AtomicBool,
        calls: AtomicU64,
        resets: AtomicU64,
    }

    impl SharedBackend for Fake {
        fn gcra<'a>(&'a self, key: &'a str, interval: Duration, tolerance: Duration) -> BackendFuture<'a, Duration> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::Relaxed);
                if self.hanging.load(Ordering::Relaxed) {
                    std::future::pending::<()>().await;
                }
                if self.failing.load(Ordering::Relaxed) {
                    return Err(BackendError::new("connection refused"));
                }
                let mut map = self.tat.lock().unwrap();
                let now = Instant::now();
                let tat = map.get(key).copied().unwrap_or(now).max(now);
                if tat.duration_since(now) > tolerance {
                    return Ok(tat - tolerance - now);
                }
                map.insert(key.to_owned(), tat + interval);
                Ok(Duration::ZERO)
            })
        }
        fn budget_take<'a>(&'a self, _: &'a str, _: u32, _: u32, _: Duration) -> BackendFuture<'a, bool> {
            Box::pin(async { Ok(true) })
        }
        fn budget_refund<'a>(&'a self, _: &'a str, _: u32, _: u32, _: Duration) -> BackendFuture<'a, ()> {
            Box::pin(async { Ok(()) })
        }
        fn reset(&self) {
            self.resets.fetch_add(1, Ordering::Relaxed);
        }
    }

    const MS: Duration = Duration::from_millis(1);

    #[tokio::test(start_paused = true)]
    async fn two_processes_share_one_rate() {
        // Two `SharedLimits` on one backend stand for two processes with their own local state.
        let fake = Arc::new(Fake::default());
        let (a, b) = (SharedLimits::new(fake.clone()), SharedLimits::new(fake.clone()));
        // Each with a local limiter of its own, as two processes would have.
        let key = a.rate_key("AKIDtwo", "svc", "Two");
        let own = || Arc::new(super::super::RateLimiter::new(20, 1));
        let la = super::super::ActionLimiter::shared(own(), a.clone(), key.clone().into());
        let lb = super::super::ActionLimiter::shared(own(), b.clone(), key.into());
        let start = Instant::now();
        let mut tasks = Vec::new();
        for l in [la, lb] {
            for _ in 0..10 {
                let l = l.clone();
                tasks.push(tokio::spawn(async move {
                    l.acquire().await;
                    Instant::now() - start
                }));
            }
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort();
        // 20 calls at 20/s together: the last one at 19 intervals, not 9.
        assert_eq!(*times.last().unwrap(), 50 * 19 * MS, "{times:?}");
        assert_eq!(a.fallbacks() + b.fallbacks(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn an_outage_falls_back_warns_once_and_ends_with_a_probe() {
        let fake = Arc::new(Fake::default());
        let limits =
            SharedLimits::new(fake.clone()).with_reconnect_backoff(Duration::from_secs(1), Duration::from_secs(4));
        let l = limits.limiter("AKIDoutage", "svc", "Outage", 1000, 1);
        l.acquire().await;
        assert_eq!(fake.calls.load(Ordering::Relaxed), 1);
        fake.failing.store(true, Ordering::Relaxed);
        l.acquire().await; // fails: outage starts
        assert!(!limits.is_available());
        assert_eq!((limits.fallbacks(), fake.resets.load(Ordering::Relaxed)), (1, 1));
        for _ in 0..5 {
            l.acquire().await; // during the backoff: not asked at all
        }
        assert_eq!((fake.calls.load(Ordering::Relaxed), limits.fallbacks()), (2, 6));
        tokio::time::sleep(Duration::from_secs(1)).await;
        l.acquire().await; // the probe fails: backoff doubles to 2 s
        assert_eq!(fake.calls.load(Ordering::Relaxed), 3);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        l.acquire().await;
        assert_eq!(fake.calls.load(Ordering::Relaxed), 3, "asked again before the doubled backoff");
        fake.failing.store(false, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(500)).await;
        l.acquire().await; // the probe succeeds
        assert!(limits.is_available());
        tokio::time::sleep(Duration::from_millis(10)).await; // past the slot the probe took
        l.acquire().await;
        assert_eq!(fake.calls.load(Ordering::Relaxed), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_backend_costs_a_call_at_most_the_timeout() {
        let fake = Arc::new(Fake::default());
        fake.hanging.store(true, Ordering::Relaxed);
        let limits = SharedLimits::new(fake.clone()).with_timeout(Duration::from_millis(50));
        let l = limits.limiter("AKIDhang", "svc", "Hang", 1000, 1);
        let start = Instant::now();
        l.acquire().await;
        assert_eq!(Instant::now() - start, 50 * MS);
        // During the outage the local limiter alone decides: 1 ms apart at 1000/s.
        let start = Instant::now();
        l.acquire().await;
        assert!(Instant::now() - start <= MS, "{:?}", Instant::now() - start);
        assert_eq!(fake.calls.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn urls_are_redacted() {
        let cases = [
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            ("redis://:s3cret@127.0.0.1:6379/0", "redis://***@127.0.0.1:6379/0"),
            ("redis://user:p@ss/w0rd@10.0.0.1", "redis://***@10.0.0.1"),
            ("redis+unix:///run/redis.sock?db=1&pass=s3cret", "redis+unix:///run/redis.sock?***"),
            ("s3cret@host", "***@host"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown);
        }
    }

    #[test]
    fn keys_hold_a_digest_not_the_secret_id() {
        let limits = SharedLimits::new(Arc::new(Fake::default()));
        let key = limits.rate_key("AKIDkeys-0123456789", "tcss", "DescribeX");
        assert!(key.starts_with("tc-runtime:rate:tcss:DescribeX:"), "{key}");
        assert!(!key.contains("AKID") && !key.contains("0123456789"), "{key}");
        assert_eq!(key.rsplit(':').next().unwrap().len(), 24);
        assert_eq!(key, limits.rate_key("AKIDkeys-0123456789", "tcss", "DescribeX"), "stable");
        assert_ne!(key, limits.rate_key("AKIDkeys-0123456788", "tcss", "DescribeX"));
        // The digest is fixed by the algorithm, not by this build: fleets of mixed builds agree
        // (`printf 'tc-runtime/rate-limit\\0' | sha256sum`).
        assert_eq!(secret_digest(""), "5471becd0be71704b3a45b66");
        let other = limits.clone().with_key_prefix("fleet-b");
        assert!(other.budget_key("https://h", "tcss").starts_with("fleet-b:budget:tcss:"));
    }
}
