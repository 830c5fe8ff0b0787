//! Benchmarks: the added cost per call of a rate limit shared through Redis on loopback
//! against the process's own limiter, and one full call with each. The bench starts its own
//! `redis-server` (tests/support/redis_server.rs). Run:
//! `cargo bench -p tc-runtime --features redis --bench shared_limits`.
//!
//! The rate is set so high (1,000,000/s, burst 1,000,000) that no acquire ever waits: what is
//! measured is the bookkeeping, plus, shared, one EVALSHA round trip to Redis.

#[path = "../tests/support/mod.rs"]
mod support;
#[path = "../tests/support/redis_server.rs"]
mod redis_server;

use std::hint::black_box;
use std::sync::OnceLock;

use redis_server::RedisServer;
use support::{Reply, Server};
use tc_runtime::limiter::{ActionLimiter, SharedLimits};
use tc_runtime::{ActionInfo, Client, Credentials, Endpoint, RateLimitConfig, RawCode, ServiceInfo};

static TCSS: ServiceInfo =
    ServiceInfo { name: "tcss", version: "2020-11-01", default_host: "tcss.tencentcloudapi.com", intl_host: None };
static LIST: ActionInfo =
    ActionInfo { service: &TCSS, name: "DescribeImageAutoAuthorizedTaskList", rate_limit: Some(20), idempotent: true, idempotency_token: None, unsigned: false };

const RATE: u32 = 1_000_000;
const SECRET_ID: &str = "AKIDbench-shared-0000000000000000";

fn main() {
    divan::main();
}

fn redis() -> &'static RedisServer {
    static REDIS: OnceLock<RedisServer> = OnceLock::new();
    REDIS.get_or_init(|| RedisServer::start(None).expect("redis-server is needed for this bench"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn bench_acquire(bencher: divan::Bencher, limiter: ActionLimiter, rt: &tokio::runtime::Runtime) {
    bencher.bench_local(|| rt.block_on(black_box(&limiter).acquire()));
}

/// The process's own GCRA limiter: fair async lock, one clock read, no wait.
#[divan::bench]
fn acquire_local(bencher: divan::Bencher) {
    let rt = runtime();
    let limiter = tc_runtime::limiter::local_limiter(SECRET_ID, "tcss", "BenchLocal", RATE, RATE);
    bench_acquire(bencher, limiter, &rt);
}

/// The same through Redis on loopback: one EVALSHA of the GCRA script per acquire.
#[divan::bench]
fn acquire_redis(bencher: divan::Bencher) {
    let rt = runtime();
    let limits = SharedLimits::redis(&redis().url()).unwrap();
    let limiter = limits.limiter(SECRET_ID, "tcss", "BenchRedis", RATE, RATE);
    bench_acquire(bencher, limiter, &rt);
    assert_eq!(limits.fallbacks(), 0, "every acquire went through Redis");
}

fn bench_call(bencher: divan::Bencher, shared: bool) {
    let rt = runtime();
    let (server, client, limits) = rt.block_on(async {
        let server = Server::start(|_, _| Reply::ok(r#""TotalCount":1,"List":[]"#, "bench-rid")).await;
        let limits = SharedLimits::redis(&redis().url()).unwrap();
        let mut builder = Client::builder()
            .credentials(Credentials::new(SECRET_ID, "bench-secret-key"))
            .endpoint(Endpoint::custom(&server.url()).unwrap())
            .rate_limit(RateLimitConfig::default().with_rate_override(RATE).with_burst(RATE));
        if shared {
            builder = builder.shared_limits(limits.clone());
        }
        (server, builder.build().unwrap(), limits)
    });
    let req = serde_json::json!({"Limit": 10, "Offset": 0});
    bencher.bench_local(|| {
        rt.block_on(client.call::<_, serde_json::Value, RawCode>(&LIST, black_box(&req))).unwrap();
    });
    assert_eq!(limits.fallbacks(), 0);
    drop(server);
}

/// One full call over loopback HTTP with the local limiter.
#[divan::bench]
fn call_local_limit(bencher: divan::Bencher) {
    bench_call(bencher, false);
}

/// One full call over loopback HTTP with the limit shared through Redis on loopback (the
/// retry budget's refund goes to Redis in the background).
#[divan::bench]
fn call_redis_limit(bencher: divan::Bencher) {
    bench_call(bencher, true);
}
