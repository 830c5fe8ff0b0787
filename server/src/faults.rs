//! Fault injection: what a fault does to one request ([`Fault`]) and which requests it hits
//! ([`FaultRule`]: one action or all, the next N requests or each with a probability drawn
//! from the server's seeded PRNG).
//!
//! Faults act before the request is checked, as a gateway or the network would: a faulted
//! request is not rate-limited, and (except [`Fault::Delay`], [`Fault::NotJson`],
//! [`Fault::TruncatedJson`] and [`Fault::DropMidBody`], which corrupt the normal answer) not
//! processed at all.

use std::time::Duration;

/// What happens to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long, then process and answer normally.
    Delay(Duration),
    /// Answer this HTTP status (e.g. 502) with an HTML error page, as a gateway does.
    HttpStatus(u16),
    /// Answer an API error in the normal envelope (HTTP 200) without processing.
    Error {
        /// `Response.Error.Code`.
        code: String,
        /// `Response.Error.Message`.
        message: String,
    },
    /// HTTP 200 with a body that is not JSON at all.
    NotJson,
    /// HTTP 200 with the normal answer cut in half (the Content-Length matches what is sent,
    /// so only the JSON is broken).
    TruncatedJson,
    /// Close the connection after reading the request, without sending anything.
    Drop,
    /// Send the head with the full Content-Length, then half the body, then close.
    DropMidBody,
}

impl Fault {
    /// `RequestLimitExceeded`, as the real service throttles.
    pub fn throttle() -> Fault {
        Fault::error(
            "RequestLimitExceeded",
            "Your current request times exceed the frequency limit (injected by tc-mock).",
        )
    }

    /// An API error with this code and message.
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Fault {
        Fault::Error { code: code.into(), message: message.into() }
    }

    /// A rule that applies this fault to the next `n` matching requests.
    pub fn times(self, n: u32) -> FaultRule {
        FaultRule { fault: self, action: None, trigger: Trigger::Next(n) }
    }

    /// A rule that applies this fault to each matching request with probability `p`
    /// (clamped to `[0, 1]`), drawn from the server's seeded PRNG.
    pub fn with_probability(self, p: f64) -> FaultRule {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        FaultRule { fault: self, action: None, trigger: Trigger::Probability(p) }
    }

    /// A rule that applies this fault to every matching request until the faults are cleared.
    pub fn always(self) -> FaultRule {
        FaultRule { fault: self, action: None, trigger: Trigger::Always }
    }
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// For the next `n` matching requests, then never.
    Next(u32),
    /// For each matching request with this probability.
    Probability(f64),
    /// For every matching request.
    Always,
}

/// A fault and the requests it applies to. Build one with [`Fault::times`],
/// [`Fault::with_probability`] or [`Fault::always`], then narrow it with
/// [`FaultRule::for_action`]; install it with [`crate::MockServer::inject`].
///
/// ```
/// use tc_mock::Fault;
/// let rule = Fault::throttle().times(2).for_action("DescribeLicenseGeneral");
/// assert_eq!(rule.action(), Some("DescribeLicenseGeneral"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    fault: Fault,
    action: Option<String>,
    trigger: Trigger,
}

impl FaultRule {
    /// Only requests whose `X-TC-Action` is `action` (by default, every request).
    pub fn for_action(mut self, action: impl Into<String>) -> FaultRule {
        self.action = Some(action.into());
        self
    }

    /// The fault.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }

    /// The action it is limited to, if any.
    pub fn action(&self) -> Option<&str> {
        self.action.as_deref()
    }

    /// When it fires.
    pub fn trigger(&self) -> Trigger {
        self.trigger
    }

    fn matches(&self, action: Option<&str>) -> bool {
        self.action.as_deref().is_none_or(|a| Some(a) == action)
    }
}

/// The installed rules, evaluated in installation order: the first that fires wins.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<FaultRule>,
}

impl Faults {
    pub(crate) fn push(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// The fault for one request, consuming one use of a `Next(n)` rule.
    pub(crate) fn pick(&mut self, action: Option<&str>, mut draw: impl FnMut() -> f64) -> Option<Fault> {
        let mut fired = None;
        for (i, rule) in self.rules.iter_mut().enumerate() {
            if !rule.matches(action) {
                continue;
            }
            let fires = match &mut rule.trigger {
                Trigger::Next(0) => false,
                Trigger::Next(n) => {
                    *n -= 1;
                    true
                }
                Trigger::Probability(p) => draw() < *p,
                Trigger::Always => true,
            };
            if fires {
                fired = Some((i, rule.fault.clone()));
                break;
            }
        }
        self.rules.retain(|r| r.trigger != Trigger::Next(0));
        fired.map(|(_, f)| f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn next_n_then_exhausted_in_order() {
        let mut f = Faults::default();
        f.push(Fault::Drop.times(2).for_action("A"));
        f.push(Fault::NotJson.times(1));
        let mut never = || 1.0;
        assert_eq!(f.pick(Some("B"), &mut never), Some(Fault::NotJson));
        assert_eq!(f.pick(Some("B"), &mut never), None);
        assert_eq!(f.pick(Some("A"), &mut never), Some(Fault::Drop));
        assert_eq!(f.pick(Some("A"), &mut never), Some(Fault::Drop));
        assert_eq!(f.pick(Some("A"), &mut never), None);
        assert!(f.rules.is_empty());
    }

    #[test]
    fn probability_is_seeded_and_roughly_right() {
        let run = |seed| {
            let mut f = Faults::default();
            f.push(Fault::throttle().with_probability(0.25));
            let mut rng = SplitMix64::new(seed);
            (0..4000).map(|_| f.pick(Some("A"), || rng.next_f64()).is_some()).collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a, run(1));
        let hits = a.iter().filter(|h| **h).count();
        assert!((800..1200).contains(&hits), "{hits}");
        let mut f = Faults::default();
        f.push(Fault::Drop.with_probability(f64::NAN));
        assert_eq!(f.pick(None, || 0.0), None);
    }

    #[test]
    fn always_and_throttle() {
        let mut f = Faults::default();
        f.push(Fault::HttpStatus(502).always());
        for _ in 0..5 {
            assert_eq!(f.pick(None, || 0.5), Some(Fault::HttpStatus(502)));
        }
        assert!(matches!(Fault::throttle(), Fault::Error { code, .. } if code == "RequestLimitExceeded"));
    }
}
