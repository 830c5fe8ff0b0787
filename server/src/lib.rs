//! tc-mock: an offline Tencent Cloud API 3.0 server driven by the spec, for tests.
//!
//! It serves every action of the spec on `127.0.0.1` over real HTTP/1.1, checks each request
//! as the real service does (TC3-HMAC-SHA256 signature verified with `tc_runtime::sign`,
//! timestamp skew, SecretId, action, version, parameters against the IR, recursively) and
//! answers in the real envelope with the real error codes. By default an action answers its
//! documented example (with a fresh `RequestId`); a test can set its own response, error,
//! or list of items to paginate, inject faults, and read a request log.
//!
//! Mutating actions are a faithful double too: the server counts what *executed*
//! ([`MockServer::executions`]: passed every check and produced a success or an
//! action-level error), apart from what was refused before executing (authentication, the
//! server's rate limit, parameters, a fault before execution); every fault says whether it
//! strikes before or after execution ([`Phase`]); and an action with an idempotency token
//! (`ClientToken`) answers a repeated token with its first reply without executing again
//! (bounded: [`MockServerBuilder::idempotency_capacity`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = tc_mock::MockServer::start().await?;
//! let client = server.client()?; // a tc_runtime::Client for this server's endpoint and key
//! # Ok(()) }
//! ```
//!
//! Outside a tokio runtime (or to keep the server off a busy test runtime), start it on a
//! thread of its own: `let server = tc_mock::MockServer::builder().start_in_thread()?;`.
//!
//! Defaults: the workspace's `spec/`, credentials [`DEFAULT_SECRET_ID`] /
//! [`DEFAULT_SECRET_KEY`], a 300 s timestamp tolerance, the documented rate limit per
//! (SecretId, action) with a one-second burst ([`RateLimit`]), a 10 MiB body cap, fault
//! PRNG seed [`DEFAULT_SEED`], [`DEFAULT_IDEMPOTENCY_CAPACITY`] idempotency tokens in
//! [`DEFAULT_IDEMPOTENCY_BYTES`]. The server stops when the [`MockServer`] is dropped.
//!
//! From the command line: `cargo run -p tc-mock -- --port 9000 [--scenario FILE]` (see
//! `--help`); a [`scenario::Scenario`] sets up from one JSON document what the builder and
//! the server's methods can.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod answer;
mod api_error;
mod auth;
mod faults;
mod handler;
mod http;
mod idempotency;
mod limit;
mod log;
mod request;
mod rng;
pub mod scenario;
mod sign_v1;
mod state;
mod syntax;
pub mod unflatten;
pub mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;
use tc_codegen::ir;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

pub use faults::{BEFORE_EXECUTION_CODE, Fault, FaultRule, Phase, Trigger};
pub use limit::RateLimit;
pub use log::{
    Counters, LoggedRequest, MAX_COUNTER_ENTRY_BYTES, MAX_LOG_ENTRY_BYTES, MAX_LOGGED_HEADER_VALUE,
    MAX_LOGGED_HEADERS, MAX_LOGGED_MESSAGE, MAX_LOGGED_NAME, MAX_LOGGED_PARAMS_BYTES, Outcome,
    UNKNOWN_ACTION,
};
pub use rng::is_request_id;
pub use state::Credential;

use api_error::ApiErr;
use handler::Reply;
use state::{Config, Shared};

/// SecretId accepted when no credentials are configured.
pub const DEFAULT_SECRET_ID: &str = "AKIDtcmock00000000000000000000000000";
/// SecretKey of [`DEFAULT_SECRET_ID`].
pub const DEFAULT_SECRET_KEY: &str = "tcmock-secret-key-00000000000000";
/// Largest accepted request body by default (PROTOCOL.md: 10 MB for TC3 POST).
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// How far `X-TC-Timestamp` may be from the server's clock by default (5 minutes).
pub const DEFAULT_SKEW_TOLERANCE: Duration = Duration::from_secs(300);
/// Seed of the fault PRNG by default.
pub const DEFAULT_SEED: u64 = 0x7C_30C5;
/// Request log entries kept by default (older ones are dropped; counters keep counting).
pub const DEFAULT_LOG_CAPACITY: usize = 10_000;
/// The request log's byte budget by default ([`LoggedRequest::retained_bytes`] summed; the
/// oldest entries go first).
pub const DEFAULT_LOG_BYTES: usize = 32 * 1024 * 1024;
/// Connections served at once by default; more are closed as soon as they are accepted.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Idempotency tokens remembered by default (the oldest is forgotten first).
pub const DEFAULT_IDEMPOTENCY_CAPACITY: usize = 10_000;
/// The idempotency store's byte budget by default (keys and first replies; the oldest go
/// first).
pub const DEFAULT_IDEMPOTENCY_BYTES: usize = 16 * 1024 * 1024;
/// Longest idempotency token accepted, in bytes (Tencent Cloud documents `ClientToken` as at
/// most 64 ASCII characters); a longer one is refused with `InvalidParameterValue` before
/// execution.
pub const MAX_IDEMPOTENCY_TOKEN_BYTES: usize = 64;

/// The workspace's spec directory, the default.
pub fn default_spec_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"))
}

/// Why a server could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The spec did not load or check.
    Spec {
        /// The directory read.
        dir: PathBuf,
        /// Every diagnostic, one per line.
        diagnostics: String,
    },
    /// The listener could not be bound.
    Bind(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec { dir, diagnostics } => write!(
                f,
                "the spec in {} is invalid:\n{diagnostics}",
                dir.display()
            ),
            Error::Bind(e) => write!(f, "cannot bind the mock server: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind(e) => Some(e),
            Error::Spec { .. } => None,
        }
    }
}

/// Loads and checks a spec directory into the IR.
pub fn load_spec(dir: &Path) -> Result<ir::Api, Error> {
    let err = |d: tc_codegen::Diagnostics| Error::Spec {
        dir: dir.to_owned(),
        diagnostics: d.to_string(),
    };
    let files = tc_codegen::load::read_dir(dir).map_err(err)?;
    tc_codegen::build(&files).map_err(err)
}

/// The default spec, loaded once per process.
fn default_api() -> Result<Arc<ir::Api>, Error> {
    static API: OnceLock<Result<Arc<ir::Api>, String>> = OnceLock::new();
    let dir = default_spec_dir();
    API.get_or_init(|| load_spec(&dir).map(Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(|diagnostics| Error::Spec { dir, diagnostics })
}

#[derive(Debug)]
enum SpecSource {
    Default,
    Dir(PathBuf),
    Api(Arc<ir::Api>),
}

/// Configures and starts a [`MockServer`]. Every setting has a default (see the crate docs).
#[derive(Debug)]
pub struct MockServerBuilder {
    spec: SpecSource,
    addr: SocketAddr,
    credentials: Vec<Credential>,
    skew_tolerance: Duration,
    clock_offset_secs: i64,
    rate_limit: RateLimit,
    max_body_bytes: usize,
    seed: u64,
    log_capacity: usize,
    log_bytes: usize,
    max_connections: usize,
    idempotency_capacity: usize,
    idempotency_bytes: usize,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            spec: SpecSource::Default,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            credentials: Vec::new(),
            skew_tolerance: DEFAULT_SKEW_TOLERANCE,
            clock_offset_secs: 0,
            rate_limit: RateLimit::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            seed: DEFAULT_SEED,
            log_capacity: DEFAULT_LOG_CAPACITY,
            log_bytes: DEFAULT_LOG_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            idempotency_capacity: DEFAULT_IDEMPOTENCY_CAPACITY,
            idempotency_bytes: DEFAULT_IDEMPOTENCY_BYTES,
        }
    }
}

impl MockServerBuilder {
    /// Serves the spec in this directory instead of the workspace's `spec/`.
    pub fn spec_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spec = SpecSource::Dir(dir.into());
        self
    }

    /// Serves this already built API.
    pub fn api(mut self, api: ir::Api) -> Self {
        self.spec = SpecSource::Api(Arc::new(api));
        self
    }

    /// Listens on this port of 127.0.0.1 (default 0: an ephemeral port).
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// Listens on this address (default `127.0.0.1:0`).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Accepts this key pair. The first call replaces the default pair; later calls add more.
    pub fn credential(self, secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.credentials_entry(Credential::new(secret_id, secret_key))
    }

    /// Accepts these credentials (e.g. with a token). Same rule as [`Self::credential`].
    pub fn credentials_entry(mut self, credential: Credential) -> Self {
        self.credentials.push(credential);
        self
    }

    /// How far `X-TC-Timestamp` may be from the server's clock (default 300 s).
    pub fn skew_tolerance(mut self, tolerance: Duration) -> Self {
        self.skew_tolerance = tolerance;
        self
    }

    /// Runs the server's clock `secs` seconds ahead (negative: behind) of the real one, so a
    /// correct client looks skewed (`AuthFailure.SignatureExpire` beyond the tolerance).
    pub fn clock_offset_secs(mut self, secs: i64) -> Self {
        self.clock_offset_secs = secs;
        self
    }

    /// Throttling (default: the documented rate, see [`RateLimit`]).
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Largest accepted request body (default 10 MiB); larger ones get `RequestSizeLimitExceeded`.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Seed of the PRNG that decides probabilistic faults (default [`DEFAULT_SEED`]).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How many request log entries to keep (default [`DEFAULT_LOG_CAPACITY`]).
    pub fn log_capacity(mut self, n: usize) -> Self {
        self.log_capacity = n;
        self
    }

    /// The request log's byte budget (default [`DEFAULT_LOG_BYTES`]): the oldest entries are
    /// dropped to keep the sum of [`LoggedRequest::retained_bytes`] under it.
    pub fn log_bytes(mut self, n: usize) -> Self {
        self.log_bytes = n;
        self
    }

    /// How many connections to serve at once (default [`DEFAULT_MAX_CONNECTIONS`], at least
    /// 1); a connection beyond that is closed as soon as it is accepted.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How many idempotency tokens to remember (default [`DEFAULT_IDEMPOTENCY_CAPACITY`]; 0:
    /// none, every request executes): the first reply of each (SecretId, action, token) is
    /// kept until this many newer ones push it out.
    pub fn idempotency_capacity(mut self, n: usize) -> Self {
        self.idempotency_capacity = n;
        self
    }

    /// The idempotency store's byte budget (default [`DEFAULT_IDEMPOTENCY_BYTES`]): the oldest
    /// tokens are forgotten to keep their keys and first replies under it; a reply larger
    /// than the whole budget is not remembered.
    pub fn idempotency_bytes(mut self, n: usize) -> Self {
        self.idempotency_bytes = n;
        self
    }

    /// Loads the spec, binds the listener and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<MockServer, Error> {
        let (listener, shared) = self.prepare()?;
        let listener = TcpListener::from_std(listener).map_err(Error::Bind)?;
        let addr = listener.local_addr().map_err(Error::Bind)?;
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(MockServer {
            addr,
            shared,
            task: Some(task),
            stop: None,
        })
    }

    /// Starts serving on a thread of its own, with its own single-threaded tokio runtime:
    /// usable from synchronous tests (no runtime needed), and isolated from the caller's
    /// runtime (a busy test does not delay the server's arrival timestamps). Dropping the
    /// server stops the thread.
    pub fn start_in_thread(self) -> Result<MockServer, Error> {
        let (listener, shared) = self.prepare()?;
        let addr = listener.local_addr().map_err(Error::Bind)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Bind)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(format!("tc-mock-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    tokio::select! {
                        _ = accept_loop(listener, thread_shared) => {}
                        // The sender is dropped with the server.
                        _ = stopped => {}
                    }
                });
            })
            .map_err(Error::Bind)?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(MockServer {
                addr,
                shared,
                task: None,
                stop: Some(stop),
            }),
            Ok(Err(e)) => Err(Error::Bind(e)),
            Err(_) => Err(Error::Bind(io::Error::other("the server thread exited"))),
        }
    }

    /// Loads the spec and binds the listener (non-blocking, for tokio).
    fn prepare(self) -> Result<(std::net::TcpListener, Arc<Shared>), Error> {
        let api = match self.spec {
            SpecSource::Default => default_api()?,
            SpecSource::Dir(dir) => Arc::new(load_spec(&dir)?),
            SpecSource::Api(api) => api,
        };
        let credentials = if self.credentials.is_empty() {
            vec![Credential::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY)]
        } else {
            self.credentials
        };
        let config = Config {
            credentials,
            skew_tolerance: self.skew_tolerance,
            clock_offset_secs: self.clock_offset_secs,
            max_body_bytes: self.max_body_bytes,
            log_capacity: self.log_capacity,
            log_bytes: self.log_bytes,
            max_connections: self.max_connections,
            idempotency_capacity: self.idempotency_capacity,
            idempotency_bytes: self.idempotency_bytes,
        };
        let listener = std::net::TcpListener::bind(self.addr).map_err(Error::Bind)?;
        listener.set_nonblocking(true).map_err(Error::Bind)?;
        let shared = Arc::new(Shared::new(api, config, self.rate_limit, self.seed));
        Ok((listener, shared))
    }
}

/// A running server. Dropping it stops the listener and every open connection.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    /// The accept loop, when serving on the caller's runtime.
    task: Option<JoinHandle<()>>,
    /// Dropping it stops the thread of [`MockServerBuilder::start_in_thread`].
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("endpoint", &self.endpoint())
            .finish_non_exhaustive()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task; on a
        // thread of its own, dropping `stop` ends the runtime, which cancels every task.
        if let Some(task) = &self.task {
            task.abort();
        }
        self.stop.take();
    }
}

impl MockServer {
    /// Starts a server with every default on an ephemeral port of 127.0.0.1.
    pub async fn start() -> Result<MockServer, Error> {
        Self::builder().start().await
    }

    /// A builder with every default.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The served API.
    pub fn api(&self) -> &ir::Api {
        &self.shared.api
    }

    /// The accepted credentials; the first is the one [`Self::client_builder`] uses.
    pub fn credentials(&self) -> &[Credential] {
        &self.shared.config.credentials
    }

    /// A `tc_runtime` client builder aimed at this server with its first credentials; every
    /// other setting is the runtime's default (POST, retries, client-side rate limit) except
    /// decoding, which is strict (a reply lacking an always-present field is an error).
    pub fn client_builder(&self) -> Result<tc_runtime::ClientBuilder, tc_runtime::ConfigError> {
        let endpoint = tc_runtime::Endpoint::custom(&self.endpoint())?;
        let creds = self.credentials()[0].to_runtime();
        // Strict decoding: a reply that lacks a field the spec says is always present is an
        // error here, not a silent zero, so the project's own tests catch spec drift.
        Ok(tc_runtime::Client::builder()
            .endpoint(endpoint)
            .credentials(creds)
            .strict(true))
    }

    /// A `tc_runtime` client for this server (see [`Self::client_builder`]).
    pub fn client(&self) -> Result<tc_runtime::Client, tc_runtime::ConfigError> {
        self.client_builder()?.build()
    }

    #[track_caller]
    fn check_action(&self, action: &str) -> &ir::Action {
        self.api()
            .services
            .iter()
            .flat_map(|s| &s.actions)
            .find(|a| a.name == action)
            .unwrap_or_else(|| panic!("tc-mock: the spec has no action `{action}`"))
    }

    /// Answers valid requests of `action` with this body: the object inside `Response` (or
    /// a whole `{"Response": {...}}`); a fresh `RequestId` is added.
    ///
    /// # Panics
    /// If the spec has no such action or `response` is not a JSON object.
    #[track_caller]
    pub fn respond_with(&self, action: &str, response: Value) {
        self.check_action(action);
        let obj = match response {
            Value::Object(mut m)
                if m.len() == 1 && m.get("Response").is_some_and(Value::is_object) =>
            {
                match m.remove("Response") {
                    Some(Value::Object(inner)) => inner,
                    _ => unreachable!("checked to be an object"),
                }
            }
            Value::Object(m) => m,
            other => {
                panic!("tc-mock: the response of `{action}` must be a JSON object, not {other}")
            }
        };
        self.shared
            .lock()
            .behaviors
            .entry(action.to_owned())
            .or_default()
            .response = Some(obj);
    }

    /// Answers valid requests of `action` with this error (HTTP 200, error envelope).
    ///
    /// # Panics
    /// If the spec has no such action.
    #[track_caller]
    pub fn fail_with(&self, action: &str, code: impl Into<String>, message: impl Into<String>) {
        self.check_action(action);
        let err = ApiErr {
            code: code.into(),
            message: message.into(),
        };
        self.shared
            .lock()
            .behaviors
            .entry(action.to_owned())
            .or_default()
            .error = Some(err);
    }

    /// Pages through these items for a paginated action: the items field gets
    /// `items[Offset..Offset+Limit]` (the spec's defaults when absent), the total field
    /// `items.len()`; the other fields come from the configured or documented response.
    ///
    /// # Panics
    /// If the spec has no such action or it does not paginate.
    #[track_caller]
    pub fn set_items(&self, action: &str, items: Vec<Value>) {
        let a = self.check_action(action);
        assert!(
            a.pagination.is_some(),
            "tc-mock: `{action}` does not paginate"
        );
        self.shared
            .lock()
            .behaviors
            .entry(action.to_owned())
            .or_default()
            .items = Some(items);
    }

    /// Forgets what [`Self::respond_with`], [`Self::fail_with`] and [`Self::set_items`] set
    /// for `action`: it answers its documented example again.
    pub fn reset_action(&self, action: &str) {
        self.shared.lock().behaviors.remove(action);
    }

    /// Installs a fault rule (after the existing ones; the first rule that fires wins).
    pub fn inject(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Changes the throttling from now on (and forgets the limiter's history).
    pub fn set_rate_limit(&self, rate_limit: RateLimit) {
        let mut inner = self.shared.lock();
        inner.rate_limit = rate_limit;
        inner.limiter.reset();
    }

    /// The request log, oldest first (bounded, see [`MockServerBuilder::log_capacity`] and
    /// [`MockServerBuilder::log_bytes`]).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared
            .lock()
            .log
            .iter()
            .map(|r| (**r).clone())
            .collect()
    }

    /// The logged requests of one action, oldest first.
    pub fn requests_for(&self, action: &str) -> Vec<LoggedRequest> {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.action.as_deref() == Some(action))
            .map(|r| (**r).clone())
            .collect()
    }

    /// Empties the request log and the counters.
    pub fn clear_requests(&self) {
        self.shared.lock().clear_log();
    }

    /// The counters of one action of the spec; any other name (and [`UNKNOWN_ACTION`]) reads
    /// the bucket shared by every request whose action the spec does not have or that
    /// named none.
    pub fn counters(&self, action: &str) -> Counters {
        let key = self.shared.counters_key(Some(action));
        self.shared
            .lock()
            .counters
            .get(key)
            .copied()
            .unwrap_or_default()
    }

    /// How many requests of `action` executed: passed every check (signature, rate limit,
    /// parameters) and produced a success or an action-level error, whatever a fault after
    /// execution then did to the reply. Not counted: requests refused by a check, faults
    /// before execution ([`Phase::BeforeExecution`]), replays of an idempotency token. Reset
    /// by [`Self::clear_requests`].
    ///
    /// # Panics
    /// If the spec has no such action (a typo must not read as "executed 0 times").
    #[track_caller]
    pub fn executions(&self, action: &str) -> u64 {
        self.check_action(action);
        self.counters(action).executed
    }

    /// How many requests of `action` arrived, whatever became of them (the
    /// [`Counters::requests`] of [`Self::counters`]).
    ///
    /// # Panics
    /// If the spec has no such action.
    #[track_caller]
    pub fn request_count(&self, action: &str) -> u64 {
        self.check_action(action);
        self.counters(action).requests
    }

    /// How many idempotency tokens are remembered now (at most
    /// [`MockServerBuilder::idempotency_capacity`]).
    pub fn idempotency_entries(&self) -> usize {
        self.shared.lock().tokens.len()
    }

    /// The bytes the idempotency store is charged now (at most
    /// [`MockServerBuilder::idempotency_bytes`]).
    pub fn idempotency_retained_bytes(&self) -> usize {
        self.shared.lock().tokens.retained_bytes()
    }

    /// Forgets every idempotency token: a repeated token executes again.
    pub fn clear_idempotency_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Every counted action's counters (keys: actions of the spec and [`UNKNOWN_ACTION`]).
    pub fn all_counters(&self) -> BTreeMap<String, Counters> {
        self.shared.lock().counters.clone()
    }

    /// About how many bytes the request log and the counters hold (the figure the log's
    /// byte budget is kept with): at most [`MockServerBuilder::log_bytes`], plus 16 pointers
    /// of spare log slots, plus [`MAX_COUNTER_ENTRY_BYTES`] per action of the spec and one.
    pub fn retained_bytes(&self) -> usize {
        self.shared.lock().retained_bytes()
    }

    /// Stops serving and waits until the accept loop has ended.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
        self.stop.take();
    }

    /// Serves until the process ends (for the command line).
    pub async fn wait(mut self) {
        match self.task.take() {
            Some(task) => {
                let _ = task.await;
            }
            None => std::future::pending::<()>().await,
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                // Over the cap, a connection is closed at once: memory stays bounded
                // whatever the number of clients that connect and send nothing.
                Ok((stream, _)) if conns.len() >= shared.config.max_connections => drop(stream),
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(stream, Arc::clone(&shared)));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let mut conn = http::Conn::new(stream);
    loop {
        let read = match conn.read(shared.config.max_body_bytes).await {
            Ok(r) => r,
            Err(_) => return,
        };
        let (reply, keep_alive) = match read {
            http::Read::Closed => return,
            http::Read::Malformed(why) => {
                let resp = http::Response {
                    status: 400,
                    content_type: "text/plain",
                    body: format!("bad request: {why}\n").into_bytes(),
                };
                let _ = http::write_response(&mut conn.stream, &resp, false).await;
                return;
            }
            http::Read::TooLarge { head, keep_alive } => (
                Reply::Full(shared.too_large(&head)),
                keep_alive && head.keep_alive(),
            ),
            http::Read::Request(req) => {
                let keep_alive = req.keep_alive();
                (shared.handle(req).await, keep_alive)
            }
        };
        let ok = match reply {
            Reply::Full(resp) => http::write_response(&mut conn.stream, &resp, keep_alive)
                .await
                .is_ok(),
            Reply::Drop => return,
            Reply::Partial(resp) => {
                let _ = http::write_partial(&mut conn.stream, &resp, resp.body.len() / 2).await;
                return;
            }
        };
        if !ok || !keep_alive {
            return;
        }
    }
}
