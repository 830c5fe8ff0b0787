//! Client-side rate limiting: one GCRA (generic cell rate algorithm) limiter per action.
//!
//! Each call reserves the next slot under a short mutex and then sleeps outside it, so a
//! burst of concurrent calls is spread evenly: in any window of `t` seconds at most
//! `rate * t + burst` calls pass. Uses `tokio::time`, so tests can run it on paused time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::ActionInfo;
use crate::config::RateLimitConfig;

/// A GCRA limiter: `rate` calls per second with a burst of `burst`.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    /// Theoretical arrival time of the next call.
    tat: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `rate` calls per second (0 is taken as 1), `burst` at once (0 is taken as 1).
    pub fn new(rate: u32, burst: u32) -> Self {
        let interval = Duration::from_secs(1) / rate.max(1);
        Self { interval, tolerance: interval * (burst.max(1) - 1), tat: Mutex::new(None) }
    }

    /// Reserves the next slot and returns when the call may start (now or later).
    pub fn reserve(&self) -> Instant {
        let now = Instant::now();
        // The state is a plain Instant, valid even if a holder panicked: ignore poisoning.
        let mut tat = self.tat.lock().unwrap_or_else(PoisonError::into_inner);
        let t = tat.map_or(now, |t| t.max(now));
        let allow_at = if t.duration_since(now) > self.tolerance { t - self.tolerance } else { now };
        *tat = Some(t + self.interval);
        allow_at
    }

    /// Waits for the next slot.
    pub async fn acquire(&self) {
        let at = self.reserve();
        if at > Instant::now() {
            tokio::time::sleep_until(at).await;
        }
    }
}

/// The limiters of one client, created on first use of each action.
#[derive(Debug)]
pub(crate) struct Limiters {
    config: RateLimitConfig,
    map: Mutex<HashMap<(&'static str, &'static str), Arc<RateLimiter>>>,
}

impl Limiters {
    pub(crate) fn new(config: RateLimitConfig) -> Self {
        Self { config, map: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn get(&self, action: &ActionInfo) -> Option<Arc<RateLimiter>> {
        let rate = self.config.rate_for(action.rate_limit)?;
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let limiter = map
            .entry((action.service.name, action.name))
            .or_insert_with(|| Arc::new(RateLimiter::new(rate, self.config.burst())));
        Some(Arc::clone(limiter))
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

    #[test]
    fn limiters_are_per_action() {
        static SVC: crate::ServiceInfo =
            crate::ServiceInfo { name: "tcss", version: "v", default_host: "h", intl_host: None };
        static A: ActionInfo = ActionInfo { service: &SVC, name: "A", rate_limit: Some(20), idempotent: true, idempotency_token: None };
        static A2: ActionInfo = ActionInfo { service: &SVC, name: "A", rate_limit: Some(20), idempotent: true, idempotency_token: None };
        static B: ActionInfo = ActionInfo { service: &SVC, name: "B", rate_limit: Some(20), idempotent: true, idempotency_token: None };
        static N: ActionInfo = ActionInfo { service: &SVC, name: "N", rate_limit: None, idempotent: true, idempotency_token: None };
        let ls = Limiters::new(RateLimitConfig::default());
        assert!(Arc::ptr_eq(&ls.get(&A).unwrap(), &ls.get(&A2).unwrap()));
        assert!(!Arc::ptr_eq(&ls.get(&A).unwrap(), &ls.get(&B).unwrap()));
        assert!(ls.get(&N).is_none());
        assert!(Limiters::new(RateLimitConfig::disabled()).get(&A).is_none());
    }
}
