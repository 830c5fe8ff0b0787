//! The state one server shares between its connections: the API, the fixed configuration,
//! and behind one short-held mutex the mutable parts (per-action answers, fault rules, the
//! PRNG, the limiter, the log, the counters and the idempotency tokens).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tc_codegen::ir::{Action, Api, Service};

use crate::faults::Faults;
use crate::api_error::ApiErr;
use crate::idempotency::TokenStore;
use crate::limit::{Limiter, RateLimit};
use crate::log::{Counters, LoggedRequest, UNKNOWN_ACTION, counter_entry_bytes};
use crate::rng::{RequestIds, SplitMix64};

/// One SecretId/SecretKey pair the server accepts (with a token for temporary credentials).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The SecretId.
    pub secret_id: String,
    /// The SecretKey.
    pub secret_key: String,
    /// When set, requests must carry it as `X-TC-Token` (else `AuthFailure.TokenFailure`).
    pub token: Option<String>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"***")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Credential {
    /// A long-term key pair.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: secret_key.into(),
            token: None,
        }
    }

    /// Requires this `X-TC-Token` too (temporary credentials).
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The same credentials for `tc_runtime`'s client.
    pub fn to_runtime(&self) -> tc_runtime::Credentials {
        let c = tc_runtime::Credentials::new(self.secret_id.clone(), self.secret_key.clone());
        match &self.token {
            Some(t) => c.with_token(t.clone()),
            None => c,
        }
    }
}

/// Fixed for the life of a server.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) credentials: Vec<Credential>,
    pub(crate) skew_tolerance: Duration,
    pub(crate) clock_offset_secs: i64,
    pub(crate) max_body_bytes: usize,
    pub(crate) log_capacity: usize,
    /// The request log's budget in [`LoggedRequest::retained_bytes`].
    pub(crate) log_bytes: usize,
    pub(crate) max_connections: usize,
    /// Idempotency tokens remembered at most.
    pub(crate) idempotency_capacity: usize,
    /// The idempotency store's byte budget.
    pub(crate) idempotency_bytes: usize,
}

/// How one action answers when its request is valid.
#[derive(Debug, Clone, Default)]
pub(crate) struct Behavior {
    pub(crate) error: Option<ApiErr>,
    pub(crate) response: Option<Map<String, Value>>,
    pub(crate) items: Option<Vec<Value>>,
}

pub(crate) struct Inner {
    pub(crate) behaviors: HashMap<String, Behavior>,
    pub(crate) faults: Faults,
    pub(crate) rng: SplitMix64,
    pub(crate) rate_limit: RateLimit,
    pub(crate) limiter: Limiter,
    /// Boxed, so that the deque's spare slots cost a pointer each, not a whole entry.
    pub(crate) log: VecDeque<Box<LoggedRequest>>,
    /// The sum of [`log_charge`] over the log's entries.
    pub(crate) log_bytes: usize,
    pub(crate) next_seq: u64,
    /// Keyed by actions of the spec and [`UNKNOWN_ACTION`] only.
    pub(crate) counters: BTreeMap<String, Counters>,
    /// The first reply of each idempotency token (`idempotency.rs`).
    pub(crate) tokens: TokenStore,
}

/// Spare slots the log's deque may keep beyond two per entry.
const LOG_SLACK_SLOTS: usize = 16;

/// What one log entry costs against the budget: the entry and two deque slots (its own and
/// the spare one that growth by doubling leaves; the deque is shrunk past that).
fn log_charge(entry: &LoggedRequest) -> usize {
    entry.retained_bytes() + 2 * std::mem::size_of::<Box<LoggedRequest>>()
}

impl Inner {
    /// Appends to the log, dropping the oldest entries to stay within `capacity` entries and
    /// `budget` bytes (an entry larger than the whole budget is counted, not kept).
    pub(crate) fn push_log(&mut self, mut log: LoggedRequest, capacity: usize, budget: usize) {
        log.seq = self.next_seq;
        self.next_seq += 1;
        let size = log_charge(&log);
        if capacity == 0 || size > budget {
            return;
        }
        while self.log.len() >= capacity || self.log_bytes + size > budget {
            match self.log.pop_front() {
                Some(old) => self.log_bytes -= log_charge(&old),
                None => break,
            }
        }
        if self.log.capacity() > 2 * self.log.len() + LOG_SLACK_SLOTS {
            self.log.shrink_to(2 * self.log.len() + LOG_SLACK_SLOTS);
        }
        self.log_bytes += size;
        self.log.push_back(Box::new(log));
    }

    pub(crate) fn clear_log(&mut self) {
        self.log.clear();
        self.log_bytes = 0;
        self.counters.clear();
    }

    /// What the log and the counters retain: at most the log's budget, [`LOG_SLACK_SLOTS`]
    /// pointers, and [`crate::MAX_COUNTER_ENTRY_BYTES`] per counters entry.
    pub(crate) fn retained_bytes(&self) -> usize {
        let slack = self.log.capacity().saturating_sub(2 * self.log.len())
            * std::mem::size_of::<Box<LoggedRequest>>();
        let counters: usize = self.counters.keys().map(|k| counter_entry_bytes(k)).sum();
        self.log_bytes + slack + counters
    }
}

pub(crate) struct Shared {
    pub(crate) api: Arc<Api>,
    /// Every action name of the spec: the only counters keys besides [`UNKNOWN_ACTION`].
    known_actions: HashSet<String>,
    pub(crate) config: Config,
    pub(crate) ids: RequestIds,
    pub(crate) started: Instant,
    inner: Mutex<Inner>,
}

impl Shared {
    pub(crate) fn new(api: Arc<Api>, config: Config, rate_limit: RateLimit, seed: u64) -> Self {
        let known_actions = api
            .services
            .iter()
            .flat_map(|s| &s.actions)
            .map(|a| a.name.clone())
            .collect();
        let tokens_capacity = (config.idempotency_capacity, config.idempotency_bytes);
        Self {
            api,
            known_actions,
            config,
            ids: RequestIds::new(),
            started: Instant::now(),
            inner: Mutex::new(Inner {
                behaviors: HashMap::new(),
                faults: Faults::default(),
                rng: SplitMix64::new(seed),
                rate_limit,
                limiter: Limiter::default(),
                log: VecDeque::new(),
                log_bytes: 0,
                next_seq: 0,
                counters: BTreeMap::new(),
                tokens: TokenStore::new(tokens_capacity.0, tokens_capacity.1),
            }),
        }
    }

    /// The state is valid after any panic of a holder (each update is a plain assignment), so
    /// poisoning is ignored rather than spread to every later request.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The counters key of an action name: itself when the spec has it, else the shared
    /// bucket [`UNKNOWN_ACTION`].
    pub(crate) fn counters_key<'a>(&self, action: Option<&'a str>) -> &'a str {
        match action {
            Some(a) if self.known_actions.contains(a) => a,
            _ => UNKNOWN_ACTION,
        }
    }

    /// An action name as the log keeps it: a name of the spec whole, any other cut to
    /// [`crate::MAX_LOGGED_NAME`].
    pub(crate) fn loggable_action(&self, action: &str) -> String {
        if self.known_actions.contains(action) {
            action.to_owned()
        } else {
            crate::log::clip(action, crate::MAX_LOGGED_NAME)
        }
    }

    pub(crate) fn rate_of(&self, action: &Action) -> Option<(u32, u32)> {
        self.lock().rate_limit.for_action(action.rate_limit)
    }

    /// Whether the rate limit admits this request now.
    pub(crate) fn admit(
        &self,
        secret_id: &str,
        service: &Service,
        action: &Action,
        now: Instant,
    ) -> bool {
        let mut inner = self.lock();
        let Some((rate, burst)) = inner.rate_limit.for_action(action.rate_limit) else {
            return true;
        };
        inner
            .limiter
            .admit((secret_id, &service.name, &action.name), rate, burst, now)
    }
}
