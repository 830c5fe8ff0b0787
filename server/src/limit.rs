//! The server's rate limit: the documented requests-per-second of each action, enforced per
//! (SecretId, service, action) with GCRA, as a real per-account limit would be.
//!
//! GCRA with rate `r` and burst `b` admits at most `r * t + b` requests in any window of `t`
//! seconds, whatever the window boundaries, and never depends on when a window "starts".

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How the server throttles (`RequestLimitExceeded`).
///
/// The default is on: each action is held to its documented rate (`rate_limit` in the spec,
/// 20/s for the seed actions) with a burst of one second's worth (so 20 at once), which a
/// client that respects the documented rate never hits. Actions without a documented rate are
/// not limited unless [`RateLimit::with_rate`] sets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    enabled: bool,
    rate: Option<u32>,
    burst: Option<u32>,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::documented()
    }
}

impl RateLimit {
    /// The documented rate of each action, burst = rate (the default).
    pub fn documented() -> Self {
        Self {
            enabled: true,
            rate: None,
            burst: None,
        }
    }

    /// No throttling at all.
    pub fn off() -> Self {
        Self {
            enabled: false,
            rate: None,
            burst: None,
        }
    }

    /// This rate (requests per second, at least 1) for every action instead of the documented one.
    pub fn with_rate(mut self, rate: u32) -> Self {
        self.rate = Some(rate.max(1));
        self
    }

    /// This burst (at least 1) instead of one second's worth.
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = Some(burst.max(1));
        self
    }

    /// Whether throttling is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// `(rate, burst)` for an action documented at `documented` per second, `None` if unlimited.
    pub fn for_action(&self, documented: Option<u32>) -> Option<(u32, u32)> {
        if !self.enabled {
            return None;
        }
        let rate = self.rate.or(documented).filter(|r| *r > 0)?;
        Some((rate, self.burst.unwrap_or(rate)))
    }
}

/// One GCRA cell: the theoretical arrival time of the next request.
#[derive(Debug)]
struct Cell {
    tat: Instant,
    rate: u32,
    burst: u32,
}

/// The limiter state of one server.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    cells: HashMap<(String, String, String), Cell>,
}

impl Limiter {
    /// Forgets all state (after the configuration changes).
    pub(crate) fn reset(&mut self) {
        self.cells.clear();
    }

    /// Whether a request arriving at `now` is admitted; admitted requests use up capacity.
    pub(crate) fn admit(
        &mut self,
        key: (&str, &str, &str),
        rate: u32,
        burst: u32,
        now: Instant,
    ) -> bool {
        let interval = Duration::from_secs(1) / rate.max(1);
        let tolerance = interval * (burst.max(1) - 1);
        let cell = self
            .cells
            .entry((key.0.to_owned(), key.1.to_owned(), key.2.to_owned()))
            .or_insert(Cell {
                tat: now,
                rate,
                burst,
            });
        if cell.rate != rate || cell.burst != burst {
            *cell = Cell {
                tat: now,
                rate,
                burst,
            };
        }
        let tat = cell.tat.max(now);
        if tat.duration_since(now) > tolerance {
            return false;
        }
        cell.tat = tat + interval;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config() {
        assert_eq!(RateLimit::default().for_action(Some(20)), Some((20, 20)));
        assert_eq!(RateLimit::default().for_action(None), None);
        assert_eq!(RateLimit::off().for_action(Some(20)), None);
        assert_eq!(
            RateLimit::documented().with_rate(5).for_action(None),
            Some((5, 5))
        );
        assert_eq!(
            RateLimit::documented().with_burst(1).for_action(Some(20)),
            Some((20, 1))
        );
    }

    #[test]
    fn burst_then_rate() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        let key = ("id", "tcss", "A");
        let admitted = (0..30).filter(|_| l.admit(key, 20, 20, t0)).count();
        assert_eq!(admitted, 20);
        // One interval later, exactly one more.
        let t1 = t0 + Duration::from_millis(50);
        assert!(l.admit(key, 20, 20, t1));
        assert!(!l.admit(key, 20, 20, t1));
        // Other keys are independent.
        assert!(l.admit(("id", "tcss", "B"), 20, 20, t1));
        assert!(l.admit(("other", "tcss", "A"), 20, 20, t1));
    }

    #[test]
    fn no_window_exceeds_rate_plus_burst() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        // One attempt per millisecond for 3 s.
        let admitted: Vec<u64> = (0..3000u64)
            .filter(|ms| l.admit(("id", "s", "A"), 20, 5, t0 + Duration::from_millis(*ms)))
            .collect();
        for (i, start) in admitted.iter().enumerate() {
            let in_window = admitted[i..]
                .iter()
                .take_while(|t| **t < start + 1000)
                .count();
            assert!(
                in_window <= 25,
                "{in_window} in the window starting at {start} ms"
            );
        }
        assert!(admitted.len() >= 60, "{}", admitted.len());
    }
}
