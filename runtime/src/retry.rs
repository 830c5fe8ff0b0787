//! Retries: the policy (what may be sent again, by the action's safety), the retry budget
//! (a token bucket shared per endpoint and service) and backoff jitter.
//!
//! A request that may have reached the server is sent again only when that is safe: the
//! action is idempotent (read-only), or it carries an idempotency token (which the runtime
//! fills in, once per call, when the caller left it empty), or the caller said so
//! ([`MutatingRetry::Always`]). A mutating action without one is retried only after failures
//! that prove it did not execute: the connection was never established, or the API turned it
//! away before executing it (throttling). That is the rule of aws-sdk-rust and of the Go SDK
//! (which retries network errors only for requests with a `ClientToken`).
//!
//! The retry budget is aws-sdk-rust's standard-mode token bucket: [`DEFAULT_RETRY_BUDGET`]
//! tokens per (scheme and host, service), process-wide; a retry costs [`RETRY_COST`] tokens
//! ([`TIMEOUT_RETRY_COST`] after a timeout), a call that succeeds at once gives one back and a
//! call that succeeds after retries gives back what its retries took. When the bucket is
//! empty, failures are returned without retry: a lasting outage sees about one attempt per
//! call instead of `max_attempts`.
//!
//! With [`SharedLimits`] the bucket is the fleet's: one per (service, endpoint) in the shared
//! backend, taken from before each retry (one round trip, bounded by the backend's timeout)
//! and refunded in the background (refunds made while one is in flight are sent together, so
//! a success costs the call no wait). While the backend fails, the process-wide bucket
//! stands in.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, ErrorCode, TransportError, TransportErrorKind, is_retryable_code};
use crate::limiter::SharedLimits;
use crate::limiter::shared::BUDGET_TTL;

/// Tokens in a full retry budget (aws-sdk-rust's standard mode).
pub const DEFAULT_RETRY_BUDGET: u32 = 500;
/// Tokens one retry takes.
pub const RETRY_COST: u32 = 5;
/// Tokens one retry after a timeout takes (a timeout is the dearest failure to repeat).
pub const TIMEOUT_RETRY_COST: u32 = 10;
/// Tokens a call that succeeded without retry gives back.
pub const SUCCESS_REFUND: u32 = 1;

/// Whether mutating actions (not [`crate::ActionInfo::idempotent`]) are sent again after a
/// failure that may have come after the server executed them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MutatingRetry {
    /// Retried only when that cannot execute them twice: after a connect failure or a
    /// throttling answer (`RequestLimitExceeded*`, HTTP 429); or, when the action has an
    /// idempotency token (filled in by the runtime if left empty), as an idempotent action.
    #[default]
    Safe,
    /// Never retried, whatever the failure.
    Never,
    /// Retried as idempotent actions are: the caller knows that repeating them is harmless.
    Always,
}

/// Retry policy: bounded attempts, exponential backoff with full jitter, retry safety by the
/// action, a retry budget and idempotency tokens.
///
/// The delay before retry `n` (1-based) is uniform in `[0, min(max_delay, base_delay * 2^(n-1))]`.
/// An idempotent action retries throttling codes (`RequestLimitExceeded*`), connect
/// failures, timeouts, broken connections, HTTP 5xx and 429; a mutating one as
/// [`MutatingRetry`] says. Internal API errors (`InternalError`) are not retried, as in the
/// official SDKs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    mutating: MutatingRetry,
    idempotency_tokens: bool,
    budget: Option<u32>,
}

impl Default for RetryConfig {
    /// 3 attempts in all, 500 ms base delay, 8 s cap, [`MutatingRetry::Safe`], idempotency
    /// tokens filled in, a retry budget of [`DEFAULT_RETRY_BUDGET`] tokens.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            mutating: MutatingRetry::Safe,
            idempotency_tokens: true,
            budget: Some(DEFAULT_RETRY_BUDGET),
        }
    }
}

impl RetryConfig {
    /// One attempt, no retry.
    pub fn disabled() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Total attempts, including the first (0 is taken as 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Backoff before the first retry (doubling after each).
    pub fn with_base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Upper bound of any backoff.
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// How mutating actions are retried (default [`MutatingRetry::Safe`]).
    pub fn with_mutating(mut self, mutating: MutatingRetry) -> Self {
        self.mutating = mutating;
        self
    }

    /// Whether the runtime fills in an action's idempotency token (e.g. `ClientToken`) when
    /// the caller left it empty (default `true`). Without a token, a mutating action is
    /// retried only after failures that prove it did not execute.
    pub fn with_idempotency_tokens(mut self, fill: bool) -> Self {
        self.idempotency_tokens = fill;
        self
    }

    /// Size of the retry budget in tokens, shared by every client of the process that calls
    /// the same service at the same endpoint with the same size (`None`: no budget, every
    /// failure may use every attempt). Default [`DEFAULT_RETRY_BUDGET`].
    pub fn with_retry_budget(mut self, tokens: Option<u32>) -> Self {
        self.budget = tokens;
        self
    }

    /// Total attempts, including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How mutating actions are retried.
    pub fn mutating(&self) -> MutatingRetry {
        self.mutating
    }

    /// Whether empty idempotency tokens are filled in.
    pub fn idempotency_tokens(&self) -> bool {
        self.idempotency_tokens
    }

    /// Size of the retry budget, if any.
    pub fn retry_budget(&self) -> Option<u32> {
        self.budget
    }

    /// The upper bound of the jittered delay before retry `retry` (1-based).
    pub fn backoff_cap(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// Whether a call may be sent again after failing with `error`: `safe` is whether the
    /// call may execute twice without harm (the action is idempotent, or carries an
    /// idempotency token). The attempt count and the budget are checked elsewhere.
    pub fn may_retry<C: ErrorCode>(&self, error: &Error<C>, idempotent: bool, has_token: bool) -> Retry {
        let failure = Failure::of(error);
        if failure == Failure::Final {
            return Retry::No(None);
        }
        if idempotent {
            return Retry::Yes;
        }
        match (self.mutating, failure) {
            (MutatingRetry::Never, _) => Retry::No(Some("not retried: mutating actions are not retried (MutatingRetry::Never)")),
            (MutatingRetry::Always, _) | (_, Failure::NotExecuted) => Retry::Yes,
            (MutatingRetry::Safe, _) if has_token => Retry::Yes,
            (MutatingRetry::Safe, _) => Retry::No(Some(
                "not retried: the action is not idempotent, has no idempotency token, and may have executed",
            )),
        }
    }
}

/// The answer of [`RetryConfig::may_retry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// The call may be sent again.
    Yes,
    /// It may not; the note says why, when the failure alone would have been retried.
    No(Option<&'static str>),
}

/// What a failure says about whether the request executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// It did not, and may succeed if sent again: the connection was never established, or
    /// the service throttled it. Throttling (`RequestLimitExceeded*`, HTTP 429) is decided
    /// by the API gateway before the action runs and passes with time. Other codes answered
    /// before executing (`AuthFailure.*`, `InvalidParameter*`, ...) are deterministic:
    /// repeating the same request gives the same answer (`AuthFailure.SignatureExpire` too:
    /// the clock that caused it has not changed), so they are not retried at all.
    NotExecuted,
    /// It may have: a timeout, a connection lost after sending, a 5xx from a gateway.
    MaybeExecuted,
    /// Retrying cannot help (the answer, or a local failure, is deterministic).
    Final,
}

impl Failure {
    fn of<C: ErrorCode>(error: &Error<C>) -> Failure {
        match error {
            Error::Api(e) if is_retryable_code(e.code.as_str()) => Failure::NotExecuted,
            Error::Transport(t) => Failure::of_transport(t),
            Error::Api(_) | Error::Decode(_) | Error::Credentials(_) => Failure::Final,
        }
    }

    fn of_transport(t: &TransportError) -> Failure {
        match t.kind() {
            TransportErrorKind::Connect => Failure::NotExecuted,
            TransportErrorKind::Status if t.status() == Some(429) => Failure::NotExecuted,
            _ if t.is_retryable() => Failure::MaybeExecuted,
            _ => Failure::Final,
        }
    }
}

/// The cost in budget tokens of retrying after `error`.
pub(crate) fn retry_cost<C>(error: &Error<C>) -> u32 {
    match error {
        Error::Transport(t) if t.kind() == TransportErrorKind::Timeout => TIMEOUT_RETRY_COST,
        _ => RETRY_COST,
    }
}

/// A retry budget: a token bucket (see the module docs).
#[derive(Debug)]
pub struct RetryBudget {
    capacity: u32,
    tokens: AtomicU32,
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        Self { capacity, tokens: AtomicU32::new(capacity) }
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// Takes `cost` tokens if there are that many.
    pub fn try_take(&self, cost: u32) -> bool {
        self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost)).is_ok()
    }

    /// Gives back `n` tokens, up to the capacity.
    pub fn refund(&self, n: u32) {
        let cap = self.capacity;
        let _ = self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| Some(t.saturating_add(n).min(cap)));
    }
}

type BudgetKey = (String, &'static str, u32);

/// The process-wide retry budget of (scheme and host, service) with this capacity.
pub(crate) fn shared_budget(target: &str, service: &'static str, capacity: u32) -> Arc<RetryBudget> {
    static REGISTRY: OnceLock<Mutex<HashMap<BudgetKey, Weak<RetryBudget>>>> = OnceLock::new();
    // Weak pointers only, valid even if a holder panicked: ignore poisoning.
    let mut map = REGISTRY.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
    let key = (target.to_owned(), service, capacity);
    if let Some(live) = map.get(&key).and_then(Weak::upgrade) {
        return live;
    }
    map.retain(|_, w| w.strong_count() > 0);
    let budget = Arc::new(RetryBudget::new(capacity));
    map.insert(key, Arc::downgrade(&budget));
    budget
}

/// The retry budget one call uses: the process-wide bucket, with or without the fleet's in a
/// [`SharedLimits`] in front of it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Budget {
    local: Arc<RetryBudget>,
    shared: Option<Arc<FleetBudget>>,
}

#[derive(Debug)]
struct FleetBudget {
    limits: SharedLimits,
    key: String,
    capacity: u32,
    /// Refunds not sent yet.
    pending: AtomicU32,
    /// A task is sending refunds.
    flushing: AtomicBool,
}

impl Budget {
    /// The process-wide budget of (`target`, `service`) with `capacity` tokens, shared through
    /// `shared` when given (key [`SharedLimits::budget_key`]).
    pub fn new(target: &str, service: &'static str, capacity: u32, shared: Option<&SharedLimits>) -> Self {
        let local = shared_budget(target, service, capacity);
        let shared = shared.map(|limits| {
            Arc::new(FleetBudget {
                key: limits.budget_key(target, service),
                limits: limits.clone(),
                capacity,
                pending: AtomicU32::new(0),
                flushing: AtomicBool::new(false),
            })
        });
        Self { local, shared }
    }

    /// The key of the fleet's budget, if shared.
    pub fn shared_key(&self) -> Option<&str> {
        self.shared.as_deref().map(|f| f.key.as_str())
    }

    /// Takes `cost` tokens if there are that many: from the fleet's budget, or the process's
    /// while the backend fails.
    pub async fn try_take(&self, cost: u32) -> bool {
        if let Some(f) = &self.shared {
            if let Some(taken) = f.limits.run(|b| b.budget_take(&f.key, cost, f.capacity, BUDGET_TTL)).await {
                return taken;
            }
        }
        self.local.try_take(cost)
    }

    /// Gives back `n` tokens, up to the capacity. Shared: sent by a background task (outside
    /// a tokio runtime, or when the backend fails, to the process's bucket instead).
    pub fn refund(&self, n: u32) {
        let Some(f) = &self.shared else { return self.local.refund(n) };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return self.local.refund(n) };
        f.pending.fetch_add(n, Ordering::AcqRel);
        if f.flushing.swap(true, Ordering::AcqRel) {
            return; // the task under way sends it
        }
        let (f, local) = (Arc::clone(f), Arc::clone(&self.local));
        runtime.spawn(async move {
            loop {
                let n = f.pending.swap(0, Ordering::AcqRel);
                if n > 0 && f.limits.run(|b| b.budget_refund(&f.key, n, f.capacity, BUDGET_TTL)).await.is_none() {
                    local.refund(n);
                }
                f.flushing.store(false, Ordering::Release);
                // A refund that came in after the swap and saw `flushing` set is ours to send.
                if f.pending.load(Ordering::Acquire) == 0 || f.flushing.swap(true, Ordering::AcqRel) {
                    return;
                }
            }
        });
    }
}

/// Budgets a client has used, by (service, capacity); keeps them alive and saves the global
/// lock. The endpoint is fixed per client, so it is not part of the local key.
#[derive(Debug, Default)]
pub(crate) struct Budgets {
    shared: Option<SharedLimits>,
    map: Mutex<HashMap<(&'static str, u32), Budget>>,
}

impl Budgets {
    pub(crate) fn new(shared: Option<SharedLimits>) -> Self {
        Self { shared, map: Mutex::default() }
    }

    /// The budget of `service` (at the endpoint `target()` names) with this capacity.
    pub(crate) fn get(&self, service: &'static str, capacity: u32, target: impl FnOnce() -> String) -> Budget {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry((service, capacity))
            .or_insert_with(|| Budget::new(&target(), service, capacity, self.shared.as_ref()))
            .clone()
    }
}

// ------------------------------------------------------------------------------ jitter

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64 finalizer.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A thread-safe SplitMix64 generator.
#[derive(Debug)]
pub struct Jitter {
    state: AtomicU64,
}

impl Jitter {
    /// Seeded with `seed` (tests use a fixed one).
    pub fn with_seed(seed: u64) -> Self {
        Self { state: AtomicU64::new(seed) }
    }

    /// Seeded from the clock, a process-wide counter and the process id, so two clients
    /// (or processes) started together do not retry in lockstep.
    pub fn from_entropy() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Self::with_seed(mix64(nanos ^ mix64(n.wrapping_add(u64::from(std::process::id())))))
    }

    /// The next 64 random bits.
    pub fn next_u64(&self) -> u64 {
        mix64(self.state.fetch_add(GOLDEN, Ordering::Relaxed).wrapping_add(GOLDEN))
    }

    /// A duration uniform in `[0, cap]` ("full jitter").
    pub fn full_jitter(&self, cap: Duration) -> Duration {
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        // Multiply-shift maps 64 random bits onto [0, nanos] without modulo bias worth noting.
        let r = ((u128::from(self.next_u64()) * (u128::from(nanos) + 1)) >> 64) as u64;
        Duration::from_nanos(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_within_bounds_and_spread() {
        let j = Jitter::with_seed(42);
        let cap = Duration::from_millis(100);
        let mut buckets = [0u32; 10];
        for _ in 0..10_000 {
            let d = j.full_jitter(cap);
            assert!(d <= cap);
            buckets[(d.as_nanos() * 10 / (cap.as_nanos() + 1)) as usize] += 1;
        }
        for b in buckets {
            assert!((800..1200).contains(&b), "{buckets:?}");
        }
        assert_eq!(j.full_jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn budget_takes_refunds_and_caps() {
        let b = RetryBudget::new(12);
        assert!(b.try_take(RETRY_COST) && b.try_take(RETRY_COST));
        assert!(!b.try_take(RETRY_COST), "2 tokens left");
        assert_eq!(b.available(), 2);
        b.refund(100);
        assert_eq!(b.available(), 12);
        let (x, y) = (shared_budget("http://h:1", "svc", 50), shared_budget("http://h:1", "svc", 50));
        assert!(Arc::ptr_eq(&x, &y));
        assert!(!Arc::ptr_eq(&x, &shared_budget("http://h:2", "svc", 50)));
    }

    #[test]
    fn policy_by_safety() {
        use crate::{ApiError, RawCode};
        let api = |code: &str| -> Error<RawCode> {
            Error::Api(ApiError { code: RawCode(code.into()), message: String::new(), request_id: String::new() })
        };
        let transport = |kind, status: Option<u16>| -> Error<RawCode> {
            let t = TransportError::new(kind);
            Error::Transport(match status { Some(s) => t.with_status(s), None => t })
        };
        let cases = [
            // (error, idempotent retries?, mutating without token retries?)
            (api("RequestLimitExceeded"), true, true),
            (api("RequestLimitExceeded.UinLimitExceeded"), true, true),
            (api("InternalError"), false, false),
            (api("AuthFailure.SignatureExpire"), false, false),
            (api("InvalidParameter"), false, false),
            (transport(TransportErrorKind::Connect, None), true, true),
            (transport(TransportErrorKind::Status, Some(429)), true, true),
            (transport(TransportErrorKind::Timeout, None), true, false),
            (transport(TransportErrorKind::Network, Some(200)), true, false),
            (transport(TransportErrorKind::Status, Some(502)), true, false),
            (transport(TransportErrorKind::Status, Some(404)), false, false),
            (transport(TransportErrorKind::TooLarge, Some(200)), false, false),
        ];
        let safe = RetryConfig::default();
        for (e, idempotent, mutating) in &cases {
            assert_eq!(safe.may_retry(e, true, false) == Retry::Yes, *idempotent, "idempotent {e:?}");
            assert_eq!(safe.may_retry(e, false, false) == Retry::Yes, *mutating, "mutating {e:?}");
            // A token makes a mutating call as safe as an idempotent one.
            assert_eq!(safe.may_retry(e, false, true) == Retry::Yes, *idempotent, "with token {e:?}");
            let always = safe.clone().with_mutating(MutatingRetry::Always);
            assert_eq!(always.may_retry(e, false, false) == Retry::Yes, *idempotent, "always {e:?}");
            let never = safe.clone().with_mutating(MutatingRetry::Never);
            assert_ne!(never.may_retry(e, false, true), Retry::Yes, "never {e:?}");
            assert_eq!(never.may_retry(e, true, false) == Retry::Yes, *idempotent, "never, idempotent {e:?}");
        }
    }

    #[test]
    fn backoff_caps() {
        let r = RetryConfig::default().with_base_delay(Duration::from_millis(100)).with_max_delay(Duration::from_secs(1));
        assert_eq!(r.backoff_cap(1), Duration::from_millis(100));
        assert_eq!(r.backoff_cap(2), Duration::from_millis(200));
        assert_eq!(r.backoff_cap(4), Duration::from_millis(800));
        assert_eq!(r.backoff_cap(5), Duration::from_secs(1));
        assert_eq!(r.backoff_cap(200), Duration::from_secs(1));
        assert_eq!(RetryConfig::disabled().max_attempts(), 1);
        assert_eq!(RetryConfig::default().with_max_attempts(0).max_attempts(), 1);
    }

    #[test]
    fn seeds_differ() {
        let (a, b) = (Jitter::from_entropy(), Jitter::from_entropy());
        assert_ne!(a.next_u64(), b.next_u64());
    }
}
