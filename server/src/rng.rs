//! Small deterministic randomness: a SplitMix64 generator for fault probabilities and the
//! uuid-shaped `RequestId`s of responses (no `rand`/`uuid` dependency needed for either).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// One SplitMix64 step: a bijective mix of `z`, good enough to spread sequential seeds.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded SplitMix64 generator: the same seed gives the same sequence.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// Uniform in `[0, 1)`, from the top 53 bits.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Generates fresh, uuid-v4-shaped request ids (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
///
/// Unique within a process: each id mixes a per-generator seed (wall clock and address
/// entropy) with a counter, through a bijection, so two ids of one generator never collide.
#[derive(Debug)]
pub(crate) struct RequestIds {
    seed: u64,
    counter: AtomicU64,
}

impl RequestIds {
    pub(crate) fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        static GENERATORS: AtomicU64 = AtomicU64::new(0);
        let n = GENERATORS.fetch_add(1, Ordering::Relaxed);
        Self {
            seed: mix64(nanos ^ mix64(n) ^ u64::from(std::process::id())),
            counter: AtomicU64::new(0),
        }
    }

    pub(crate) fn next(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        // Two independent 64-bit halves; `hi` is a bijection of the counter, so ids are distinct.
        let hi = mix64(self.seed ^ n.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        let lo = mix64(hi ^ self.seed.rotate_left(17));
        format_uuid(hi, lo)
    }
}

/// Formats 128 bits as a version-4, variant-1 uuid string.
fn format_uuid(hi: u64, lo: u64) -> String {
    let hi = (hi & !0xF000) | 0x4000;
    let lo = (lo & !(0xC000 << 48)) | (0x8000 << 48);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// Whether `s` looks like a `RequestId` this server produces (36 chars, lowercase hex and dashes at
/// 8/13/18/23, version nibble 4).
pub fn is_request_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
        && b[14] == b'4'
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn request_ids_are_uuid_shaped_and_unique() {
        let ids = RequestIds::new();
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let id = ids.next();
            assert!(is_request_id(&id), "{id}");
            assert!(seen.insert(id));
        }
        // A second generator does not replay the first one's sequence.
        let other = RequestIds::new();
        assert!(!seen.contains(&other.next()));
    }

    #[test]
    fn seeded_sequence_is_deterministic() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let mut c = SplitMix64::new(7);
        for _ in 0..1000 {
            let x = c.next_f64();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
