//! Backoff jitter: a tiny non-cryptographic PRNG (SplitMix64), shared lock-free per client.
//!
//! Jitter only spreads retries of many clients apart; it needs no cryptographic quality, so a
//! 64-bit counter stepped by the golden ratio and mixed (SplitMix64) is enough.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    fn seeds_differ() {
        let (a, b) = (Jitter::from_entropy(), Jitter::from_entropy());
        assert_ne!(a.next_u64(), b.next_u64());
    }
}
