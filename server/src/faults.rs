//! Fault injection: what a fault does to one request ([`Fault`]), when it strikes
//! ([`Phase`]: before the action runs or after it ran) and which requests it hits
//! ([`FaultRule`]: one action or all, the next N requests or each with a probability drawn
//! from the server's seeded PRNG).
//!
//! The phase says whether the action executed, which is what a test of retry safety needs:
//!
//! - [`Phase::BeforeExecution`]: the fault stands in for a gateway or a network that fails on
//!   the way in. The request is not checked, not rate-limited and not executed
//!   ([`crate::MockServer::executions`] does not count it); a [`Fault::Delay`] only makes it
//!   late, and it is then checked and executed as usual.
//! - [`Phase::AfterExecution`]: the request is checked and, when valid, executed (counted,
//!   its idempotency token remembered); then the reply is lost or corrupted on the way out:
//!   the connection closes ([`Fault::Drop`], [`Fault::DropMidBody`]), a gateway status or an
//!   error envelope replaces it ([`Fault::HttpStatus`], [`Fault::Error`]), it is garbled
//!   ([`Fault::NotJson`], [`Fault::TruncatedJson`]) or late ([`Fault::Delay`]).
//!
//! Each fault has a default phase ([`Fault::default_phase`]): the corruptions of a reply
//! (`NotJson`, `TruncatedJson`, `DropMidBody`) strike after execution, the rest before.
//! Before execution, the reply a corruption cuts or replaces is the `InternalError`
//! envelope of a gateway that did not reach the action ([`BEFORE_EXECUTION_CODE`]).

use std::fmt;
use std::time::Duration;

/// The error code of the envelope that a [`Fault::NotJson`], [`Fault::TruncatedJson`] or
/// [`Fault::DropMidBody`] corrupts when it strikes [`Phase::BeforeExecution`].
pub const BEFORE_EXECUTION_CODE: &str = "InternalError";

/// When a fault strikes, relative to the action's execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The action did not run: the request is answered (or dropped) by the fault alone,
    /// without being checked (a [`Fault::Delay`] only delays it, see the module docs).
    BeforeExecution,
    /// The request was checked and, when valid, executed; the fault then loses, replaces,
    /// garbles or delays the reply.
    AfterExecution,
}

impl Phase {
    /// `before` or `after`, the scenario file's and the command line's names.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::BeforeExecution => "before",
            Phase::AfterExecution => "after",
        }
    }

    /// The phase named `before` or `after`.
    pub fn from_name(name: &str) -> Option<Phase> {
        match name {
            "before" => Some(Phase::BeforeExecution),
            "after" => Some(Phase::AfterExecution),
            _ => None,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::BeforeExecution => "before execution",
            Phase::AfterExecution => "after execution",
        })
    }
}

/// What happens to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long: before execution, then check, execute and answer as usual; after
    /// execution, between executing and answering.
    Delay(Duration),
    /// Answer this HTTP status (e.g. 502) with an HTML error page, as a gateway does.
    HttpStatus(u16),
    /// Answer an API error in the normal envelope (HTTP 200) instead of the action's answer.
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
    /// The phase of a rule built from this fault unless [`FaultRule::before_execution`] or
    /// [`FaultRule::after_execution`] says otherwise: after execution for the corruptions of
    /// a reply ([`Fault::NotJson`], [`Fault::TruncatedJson`], [`Fault::DropMidBody`]), before
    /// it for the rest.
    pub fn default_phase(&self) -> Phase {
        match self {
            Fault::NotJson | Fault::TruncatedJson | Fault::DropMidBody => Phase::AfterExecution,
            Fault::Delay(_) | Fault::HttpStatus(_) | Fault::Error { .. } | Fault::Drop => {
                Phase::BeforeExecution
            }
        }
    }

    fn rule(self, trigger: Trigger) -> FaultRule {
        FaultRule {
            phase: self.default_phase(),
            fault: self,
            action: None,
            trigger,
        }
    }

    /// `RequestLimitExceeded`, as the real service throttles.
    pub fn throttle() -> Fault {
        Fault::error(
            "RequestLimitExceeded",
            "Your current request times exceed the frequency limit (injected by tc-mock).",
        )
    }

    /// An API error with this code and message.
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Fault {
        Fault::Error {
            code: code.into(),
            message: message.into(),
        }
    }

    /// A rule that applies this fault to the next `n` matching requests.
    pub fn times(self, n: u32) -> FaultRule {
        self.rule(Trigger::Next(n))
    }

    /// A rule that applies this fault to each matching request with probability `p`
    /// (clamped to `[0, 1]`), drawn from the server's seeded PRNG.
    pub fn with_probability(self, p: f64) -> FaultRule {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        self.rule(Trigger::Probability(p))
    }

    /// A rule that applies this fault to every matching request until the faults are cleared.
    pub fn always(self) -> FaultRule {
        self.rule(Trigger::Always)
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

/// A fault, when it strikes and the requests it applies to. Build one with
/// [`Fault::times`], [`Fault::with_probability`] or [`Fault::always`], then narrow it with
/// [`FaultRule::for_action`] and choose its phase with [`FaultRule::after_execution`] or
/// [`FaultRule::before_execution`] (default: [`Fault::default_phase`]); install it with
/// [`crate::MockServer::inject`].
///
/// ```
/// use tc_mock::{Fault, Phase};
/// let rule = Fault::throttle().times(2).for_action("DescribeLicenseGeneral");
/// assert_eq!(rule.action(), Some("DescribeLicenseGeneral"));
/// assert_eq!(rule.phase(), Phase::BeforeExecution);
/// // The action runs, then the connection closes: the client sees an error.
/// let lost = Fault::Drop.times(1).for_action("CreateRefreshTask").after_execution();
/// assert_eq!(lost.phase(), Phase::AfterExecution);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    fault: Fault,
    action: Option<String>,
    trigger: Trigger,
    phase: Phase,
}

impl FaultRule {
    /// Strikes before the action runs (see [`Phase::BeforeExecution`]).
    pub fn before_execution(self) -> FaultRule {
        self.in_phase(Phase::BeforeExecution)
    }

    /// Strikes after the action ran (see [`Phase::AfterExecution`]).
    pub fn after_execution(self) -> FaultRule {
        self.in_phase(Phase::AfterExecution)
    }

    /// Strikes in this phase.
    pub fn in_phase(mut self, phase: Phase) -> FaultRule {
        self.phase = phase;
        self
    }

    /// When it strikes.
    pub fn phase(&self) -> Phase {
        self.phase
    }

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

    /// The fault for one request and its phase, consuming one use of a `Next(n)` rule.
    pub(crate) fn pick(
        &mut self,
        action: Option<&str>,
        mut draw: impl FnMut() -> f64,
    ) -> Option<(Fault, Phase)> {
        let mut fired = None;
        for rule in &mut self.rules {
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
                fired = Some((rule.fault.clone(), rule.phase));
                break;
            }
        }
        self.rules.retain(|r| r.trigger != Trigger::Next(0));
        fired
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
        let (before, after) = (Phase::BeforeExecution, Phase::AfterExecution);
        assert_eq!(f.pick(Some("B"), &mut never), Some((Fault::NotJson, after)));
        assert_eq!(f.pick(Some("B"), &mut never), None);
        assert_eq!(f.pick(Some("A"), &mut never), Some((Fault::Drop, before)));
        assert_eq!(f.pick(Some("A"), &mut never), Some((Fault::Drop, before)));
        assert_eq!(f.pick(Some("A"), &mut never), None);
        assert!(f.rules.is_empty());
    }

    #[test]
    fn probability_is_seeded_and_roughly_right() {
        let run = |seed| {
            let mut f = Faults::default();
            f.push(Fault::throttle().with_probability(0.25));
            let mut rng = SplitMix64::new(seed);
            (0..4000)
                .map(|_| f.pick(Some("A"), || rng.next_f64()).is_some())
                .collect::<Vec<_>>()
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
            assert_eq!(
                f.pick(None, || 0.5),
                Some((Fault::HttpStatus(502), Phase::BeforeExecution))
            );
        }
        assert!(
            matches!(Fault::throttle(), Fault::Error { code, .. } if code == "RequestLimitExceeded")
        );
    }

    #[test]
    fn phases_default_by_fault_and_can_be_chosen() {
        for (fault, phase) in [
            (
                Fault::Delay(Duration::from_millis(1)),
                Phase::BeforeExecution,
            ),
            (Fault::HttpStatus(503), Phase::BeforeExecution),
            (Fault::throttle(), Phase::BeforeExecution),
            (Fault::Drop, Phase::BeforeExecution),
            (Fault::NotJson, Phase::AfterExecution),
            (Fault::TruncatedJson, Phase::AfterExecution),
            (Fault::DropMidBody, Phase::AfterExecution),
        ] {
            assert_eq!(fault.default_phase(), phase, "{fault:?}");
            assert_eq!(fault.clone().always().phase(), phase);
            assert_eq!(
                fault.clone().times(1).after_execution().phase(),
                Phase::AfterExecution
            );
            assert_eq!(
                fault.with_probability(0.5).before_execution().phase(),
                Phase::BeforeExecution
            );
        }
        let mut f = Faults::default();
        f.push(Fault::HttpStatus(502).times(1).after_execution());
        assert_eq!(
            f.pick(None, || 0.0),
            Some((Fault::HttpStatus(502), Phase::AfterExecution))
        );
        for p in [Phase::BeforeExecution, Phase::AfterExecution] {
            assert_eq!(Phase::from_name(p.as_str()), Some(p));
        }
        assert_eq!(Phase::from_name("during"), None);
    }
}
