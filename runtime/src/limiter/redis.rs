//! The Redis [`SharedBackend`] (feature `redis`): GCRA and retry budgets as Lua scripts run
//! with `EVALSHA` (falling back to `EVAL` once per server when the script is not cached), one
//! round trip per operation, over one multiplexed connection per backend.
//!
//! - Rates: the key holds the theoretical arrival time in microseconds of the server's clock
//!   (`redis.call('TIME')`, so the clocks of the fleet's machines do not matter). The script
//!   admits a call (advances the TAT by the interval, returns 0) or returns the microseconds
//!   until a slot is free, taking nothing. It sets `PX` to the TAT horizon: an idle key
//!   disappears as soon as it no longer holds anything back.
//! - Budgets: the key holds the tokens left (absent: full). Taking succeeds only when enough
//!   are left; a refund caps at the capacity and deletes the key when the bucket is full.
//!   Every write sets `PX` to [`super::shared::BUDGET_TTL`].
//!
//! The connection is made on first use and dropped after any failure or late answer
//! ([`SharedBackend::reset`]); [`super::SharedLimits`] decides when to try again. The URL's
//! password is kept only inside the Redis client: `Debug`, errors and logs show the URL with
//! its user info and query replaced by `***` ([`super::shared::redact_url`]).

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::aio::MultiplexedConnection;

use super::shared::{BackendError, BackendFuture, SharedBackend, redact_url};
use crate::ConfigError;

/// GCRA: KEYS[1] the rate key; ARGV interval and tolerance in µs. Returns 0 (admitted) or the
/// µs to wait. Numbers are formatted with `%d`: Redis turns a Lua number into a string with
/// 14 significant digits, too few for microseconds since 1970.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then return wait end
local new = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new), 'PX', string.format('%d', math.floor((new - now) / 1000) + 1))
return 0
";

/// Budget: KEYS[1] the budget key; ARGV `take` or `refund`, tokens, capacity, TTL in ms.
/// Returns 1 when done, 0 when a take found too few tokens.
const BUDGET: &str = r"
local cap = tonumber(ARGV[3])
local n = tonumber(ARGV[2])
local left = tonumber(redis.call('GET', KEYS[1])) or cap
if left > cap then left = cap end
if ARGV[1] == 'take' then
  if left < n then return 0 end
  left = left - n
else
  left = left + n
  if left > cap then left = cap end
end
if left >= cap then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%d', left), 'PX', ARGV[4])
end
return 1
";

/// A Redis server as a [`SharedBackend`].
pub struct RedisBackend {
    client: redis::Client,
    /// The URL without its secrets, for `Debug` and logs.
    shown: String,
    conn: Mutex<Option<MultiplexedConnection>>,
    /// Held while connecting, so concurrent first calls make one connection.
    connecting: tokio::sync::Mutex<()>,
    gcra: redis::Script,
    budget: redis::Script,
}

impl fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackend").field("url", &self.shown).finish_non_exhaustive()
    }
}

impl RedisBackend {
    /// Checks `url` (`redis://[[user]:password@]host[:port][/db]`, `redis+unix:///path`);
    /// connects on first use. The error shows the URL redacted.
    pub fn open(url: &str) -> Result<Self, ConfigError> {
        let shown = redact_url(url);
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("rediss://") || lower.starts_with("valkeys://") {
            return Err(ConfigError::InvalidRedisUrl {
                url: shown,
                reason: "TLS (rediss://) is not built in: use redis:// on a trusted network or a TLS tunnel".into(),
            });
        }
        let client = redis::Client::open(url)
            .map_err(|e| ConfigError::InvalidRedisUrl { url: shown.clone(), reason: e.to_string() })?;
        Ok(Self {
            client,
            shown,
            conn: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            gcra: redis::Script::new(GCRA),
            budget: redis::Script::new(BUDGET),
        })
    }

    async fn connection(&self) -> Result<MultiplexedConnection, BackendError> {
        if let Some(c) = self.conn.lock().unwrap_or_else(PoisonError::into_inner).clone() {
            return Ok(c);
        }
        let _connecting = self.connecting.lock().await;
        if let Some(c) = self.conn.lock().unwrap_or_else(PoisonError::into_inner).clone() {
            return Ok(c);
        }
        let c = self.client.get_multiplexed_async_connection().await.map_err(error)?;
        *self.conn.lock().unwrap_or_else(PoisonError::into_inner) = Some(c.clone());
        Ok(c)
    }

    async fn budget_op(&self, op: &str, key: &str, n: u32, capacity: u32, ttl: Duration) -> Result<bool, BackendError> {
        let mut c = self.connection().await?;
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let done: i64 =
            self.budget.key(key).arg(op).arg(n).arg(capacity).arg(ttl_ms).invoke_async(&mut c).await.map_err(error)?;
        Ok(done == 1)
    }
}

fn error(e: redis::RedisError) -> BackendError {
    BackendError::new(e.to_string())
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl SharedBackend for RedisBackend {
    fn gcra<'a>(&'a self, key: &'a str, interval: Duration, tolerance: Duration) -> BackendFuture<'a, Duration> {
        Box::pin(async move {
            let mut c = self.connection().await?;
            let wait: i64 = self
                .gcra
                .key(key)
                .arg(micros(interval).max(1))
                .arg(micros(tolerance))
                .invoke_async(&mut c)
                .await
                .map_err(error)?;
            Ok(Duration::from_micros(u64::try_from(wait).unwrap_or(0)))
        })
    }

    fn budget_take<'a>(&'a self, key: &'a str, cost: u32, capacity: u32, ttl: Duration) -> BackendFuture<'a, bool> {
        Box::pin(self.budget_op("take", key, cost, capacity, ttl))
    }

    fn budget_refund<'a>(&'a self, key: &'a str, tokens: u32, capacity: u32, ttl: Duration) -> BackendFuture<'a, ()> {
        Box::pin(async move { self.budget_op("refund", key, tokens, capacity, ttl).await.map(drop) })
    }

    fn reset(&self) {
        *self.conn.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_urls_are_typed_errors_without_the_password() {
        for url in ["http://:s3cret@127.0.0.1", "rediss://:s3cret@127.0.0.1", "redis://:s3cret@[::1"] {
            let err = RedisBackend::open(url).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(matches!(err, ConfigError::InvalidRedisUrl { .. }), "{text}");
            assert!(!text.contains("s3cret") && text.contains("***@"), "{text}");
        }
        let ok = RedisBackend::open("redis://:s3cret@127.0.0.1:1/2").unwrap();
        assert_eq!(format!("{ok:?}"), r#"RedisBackend { url: "redis://***@127.0.0.1:1/2", .. }"#);
    }
}
