//! [`CachedProvider`]: reuses temporary credentials until shortly before they expire, then
//! refreshes them once for every concurrent caller.
//!
//! The rules, in the order they are checked on each call:
//!
//! 1. Credentials that do not expire, or expire more than `refresh_before` from now (300 s by
//!    default, as the official SDKs), are returned as they are.
//! 2. Within `retry_after` (10 s) of the last refresh attempt, its outcome is reused: the
//!    credentials it got (even if they are already within the refresh window: a source that
//!    hands out short-lived credentials is not asked again on every call), or, when it failed,
//!    the previous credentials while they are still valid, else its error. A failing source
//!    is thus asked at most once per `retry_after`, however many calls are made.
//! 3. Otherwise one caller refreshes, holding an async lock; callers that arrive meanwhile
//!    wait for it and share its outcome (one request to the source, not one per call). If the
//!    refresh fails while the previous credentials are still valid, they stay in use (a
//!    `tracing` warning says why, without secrets); once they have expired the call fails with
//!    [`CredentialsError::Expired`], which holds the source's own error.
//!
//! Time comes from a [`Clock`], so tests move it by hand. A [`Credentials`] value is one
//! consistent (id, key, token) triple, replaced whole: no caller ever sees a mix of two
//! refreshes.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Credentials, CredentialsError, CredentialsFuture, ProvideCredentials, unix_seconds};

/// Refresh credentials when fewer than this remain before they expire (the official SDKs').
pub const DEFAULT_REFRESH_BEFORE: Duration = Duration::from_secs(300);
/// Ask the source again at most this often (after a failure, or after it handed out
/// credentials that are already within the refresh window).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);

/// The current time, injectable for tests.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to, for tests of expiry and refresh (yours and ours):
/// `ManualClock::at(1_700_000_000)`, then `set` or `advance`. Clones share the time.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    /// A clock at `unix_secs` seconds after the Unix epoch.
    pub fn at(unix_secs: u64) -> Self {
        Self(Arc::new(Mutex::new(UNIX_EPOCH + Duration::from_secs(unix_secs))))
    }

    /// Moves the clock to `unix_secs` (backwards too).
    pub fn set(&self, unix_secs: u64) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = UNIX_EPOCH + Duration::from_secs(unix_secs);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Caches the credentials of any provider: see the module docs for the rules.
pub struct CachedProvider {
    inner: Arc<dyn ProvideCredentials>,
    clock: Arc<dyn Clock>,
    refresh_before: Duration,
    retry_after: Duration,
    state: Mutex<State>,
    /// Held by the one caller that refreshes.
    flight: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    creds: Option<Credentials>,
    /// Refresh attempts completed: a waiter that sees it change shares that attempt's outcome.
    attempts: u64,
    /// The error of the last attempt, if it failed.
    last_error: Option<CredentialsError>,
    /// No new attempt before this (unless nothing usable is cached and no attempt failed).
    quiet_until: Option<SystemTime>,
}

enum Lookup {
    Done(Result<Credentials, CredentialsError>),
    Refresh { seen: u64 },
}

impl fmt::Debug for CachedProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.lock().creds.as_ref().map(|c| c.expires_at().map(unix_seconds));
        f.debug_struct("CachedProvider")
            .field("inner", &self.inner)
            .field("refresh_before", &self.refresh_before)
            .field("retry_after", &self.retry_after)
            .field("cached_expires_at_unix", &cached)
            .finish_non_exhaustive()
    }
}

impl CachedProvider {
    /// Caches `inner` with the system clock and the default timings.
    pub fn new(inner: Arc<dyn ProvideCredentials>) -> Self {
        Self {
            inner,
            clock: Arc::new(SystemClock),
            refresh_before: DEFAULT_REFRESH_BEFORE,
            retry_after: DEFAULT_RETRY_AFTER,
            state: Mutex::new(State::default()),
            flight: tokio::sync::Mutex::new(()),
        }
    }

    /// Uses `clock` for the time (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Refreshes when fewer than `d` remain (default 300 s).
    pub fn with_refresh_before(mut self, d: Duration) -> Self {
        self.refresh_before = d;
        self
    }

    /// Asks the source again at most every `d` (default 10 s).
    pub fn with_retry_after(mut self, d: Duration) -> Self {
        self.retry_after = d;
        self
    }

    /// The credentials cached now, if any (for inspection; calls use
    /// [`ProvideCredentials::provide_credentials`]).
    pub fn cached(&self) -> Option<Credentials> {
        self.lock().creds.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves a consistent state (every update is
        // one assignment), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_fresh(&self, c: &Credentials, now: SystemTime) -> bool {
        match c.expires_at() {
            None => true,
            Some(at) => now.checked_add(self.refresh_before).is_some_and(|t| t < at),
        }
    }

    fn lookup(&self, now: SystemTime) -> Lookup {
        let st = self.lock();
        if let Some(c) = st.creds.as_ref().filter(|c| self.is_fresh(c, now)) {
            return Lookup::Done(Ok(c.clone()));
        }
        if st.quiet_until.is_some_and(|t| now < t) {
            if let Some(outcome) = outcome(&st, now) {
                return Lookup::Done(outcome);
            }
        }
        Lookup::Refresh { seen: st.attempts }
    }

    async fn get(&self) -> Result<Credentials, CredentialsError> {
        let seen = match self.lookup(self.clock.now()) {
            Lookup::Done(r) => return r,
            Lookup::Refresh { seen } => seen,
        };
        let _flight = self.flight.lock().await;
        {
            let st = self.lock();
            if st.attempts != seen {
                // Another caller refreshed while this one waited: share its outcome.
                if let Some(outcome) = outcome(&st, self.clock.now()) {
                    return outcome;
                }
            }
        }
        let result = self.inner.provide_credentials().await;
        let now = self.clock.now();
        let mut st = self.lock();
        st.attempts += 1;
        st.quiet_until = now.checked_add(self.retry_after);
        match result {
            Ok(c) => {
                st.creds = Some(c.clone());
                st.last_error = None;
                Ok(c)
            }
            Err(e) => {
                st.last_error = Some(e.clone());
                match st.creds.as_ref().filter(|c| is_valid(c, now)) {
                    Some(c) => {
                        tracing::warn!(error = %e, "tc-runtime: credentials refresh failed; using the current ones until they expire");
                        Ok(c.clone())
                    }
                    None => Err(expired(st.creds.as_ref(), e)),
                }
            }
        }
    }
}

/// What the last attempt left: its credentials, or on failure the still-valid previous ones
/// or its error. `None` when no attempt has completed.
fn outcome(st: &State, now: SystemTime) -> Option<Result<Credentials, CredentialsError>> {
    match (&st.last_error, &st.creds) {
        (None, Some(c)) => Some(Ok(c.clone())),
        (None, None) => None,
        (Some(_), Some(c)) if is_valid(c, now) => Some(Ok(c.clone())),
        (Some(e), creds) => Some(Err(expired(creds.as_ref(), e.clone()))),
    }
}

fn is_valid(c: &Credentials, now: SystemTime) -> bool {
    c.expires_at().is_none_or(|at| now < at)
}

/// The refresh error, wrapped in [`CredentialsError::Expired`] when expired credentials were
/// cached before it.
fn expired(previous: Option<&Credentials>, e: CredentialsError) -> CredentialsError {
    match previous.and_then(Credentials::expires_at) {
        Some(at) => CredentialsError::Expired { expired_at_unix: unix_seconds(at), error: Box::new(e) },
        None => e,
    }
}

impl ProvideCredentials for CachedProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.get())
    }

    fn credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        self.inner.credentials_now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Hands out `AKID<n>` expiring at `base + 1000 * n`, or fails when `fail` is set.
    #[derive(Debug, Default)]
    struct Counting {
        calls: AtomicU64,
        fail: std::sync::atomic::AtomicBool,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials(&self) -> CredentialsFuture<'_> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::task::yield_now().await;
                if self.fail.load(Ordering::SeqCst) {
                    return Err(CredentialsError::NoInstanceRole { endpoint: "http://test".into() });
                }
                Ok(Credentials::new(format!("AKID{n}"), "k")
                    .with_token("t")
                    .with_expiry(UNIX_EPOCH + Duration::from_secs(1000 * n)))
            })
        }
    }

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_with_it() {
        let clock = ManualClock::at(100);
        let view = clock.clone();
        assert_eq!(view.now(), UNIX_EPOCH + Duration::from_secs(100));
        clock.advance(Duration::from_millis(1500));
        assert_eq!(view.now(), UNIX_EPOCH + Duration::from_millis(101_500));
        clock.set(7);
        assert_eq!(view.now(), UNIX_EPOCH + Duration::from_secs(7));
    }

    fn cached(inner: &Arc<Counting>, clock: &ManualClock) -> CachedProvider {
        CachedProvider::new(inner.clone()).with_clock(Arc::new(clock.clone()))
    }

    #[tokio::test]
    async fn reuses_until_the_refresh_window() {
        let (inner, clock) = (Arc::new(Counting::default()), ManualClock::at(0));
        let p = cached(&inner, &clock);
        assert_eq!(p.provide_credentials().await.unwrap().secret_id(), "AKID1");
        clock.set(699);
        assert_eq!(p.provide_credentials().await.unwrap().secret_id(), "AKID1");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
        clock.set(700); // 300 s before 1000: refresh
        assert_eq!(p.provide_credentials().await.unwrap().secret_id(), "AKID2");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
        assert!(format!("{p:?}").contains("cached_expires_at_unix: Some(Some(2000))"), "{p:?}");
    }

    #[tokio::test]
    async fn short_lived_credentials_are_not_refetched_on_every_call() {
        let (inner, clock) = (Arc::new(Counting::default()), ManualClock::at(900));
        let p = cached(&inner, &clock);
        // AKID1 expires at 1000: already inside the window, still used for `retry_after`.
        for _ in 0..5 {
            assert_eq!(p.provide_credentials().await.unwrap().secret_id(), "AKID1");
        }
        assert_eq!(inner.calls.load(Ordering::SeqCst), 1);
        clock.set(910);
        assert_eq!(p.provide_credentials().await.unwrap().secret_id(), "AKID2");
    }

    #[tokio::test]
    async fn failures_keep_valid_credentials_then_fail_typed() {
        let (inner, clock) = (Arc::new(Counting::default()), ManualClock::at(0));
        let p = cached(&inner, &clock);
        p.provide_credentials().await.unwrap();
        inner.fail.store(true, Ordering::SeqCst);
        clock.set(800);
        assert_eq!(p.provide_credentials().await.unwrap().secret_id(), "AKID1");
        assert_eq!(p.provide_credentials().await.unwrap().secret_id(), "AKID1");
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2, "asked once per retry_after");
        clock.set(1000);
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(&e, CredentialsError::Expired { expired_at_unix: 1000, error }
            if matches!(**error, CredentialsError::NoInstanceRole { .. })), "{e:?}");
        assert!(e.to_string().contains("CVM instance role"), "{e}");
        // Within retry_after the error is reused without asking again.
        assert!(p.provide_credentials().await.is_err());
        assert_eq!(inner.calls.load(Ordering::SeqCst), 3);
        inner.fail.store(false, Ordering::SeqCst);
        clock.set(1011);
        assert_eq!(p.provide_credentials().await.unwrap().secret_id(), "AKID4");
    }

    #[tokio::test]
    async fn a_first_failure_is_the_sources_error() {
        let (inner, clock) = (Arc::new(Counting::default()), ManualClock::at(0));
        inner.fail.store(true, Ordering::SeqCst);
        let p = cached(&inner, &clock);
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::NoInstanceRole { .. }), "{e:?}");
        assert!(p.cached().is_none() && p.credentials_now().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_refresh() {
        let (inner, clock) = (Arc::new(Counting::default()), ManualClock::at(0));
        let p = Arc::new(cached(&inner, &clock));
        p.provide_credentials().await.unwrap();
        clock.set(1000);
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let p = p.clone();
                tokio::spawn(async move { p.provide_credentials().await.unwrap() })
            })
            .collect();
        for t in tasks {
            let c = t.await.unwrap();
            assert_eq!((c.secret_id(), c.secret_key().expose_secret()), ("AKID2", "k"));
        }
        assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    }
}
