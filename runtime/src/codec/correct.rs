//! Client error correction (Smithy): a reply that leaves out a required member, or sends it
//! as `null`, decodes with the member's zero value instead of failing the whole call, and the
//! correction is reported; in strict mode it is an error naming the member.
//!
//! Decoding is synchronous, so the mode and the corrections of one decode live in a
//! thread-local scope: the client opens one around each reply it decodes (with its strictness
//! and the action), [`super::deserialize`] opens a lenient one when there is none (a caller's
//! own `serde_json::from_str` of a generated type). [`super::read`] asks the scope what to do
//! and records each correction by its path (`Machines.Disk.DiskId`), built as the nested
//! reads return (repeats across the elements of an array merge, with a count); generated
//! code is unchanged.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{ErrorKind, ReadError, Result};

/// Distinct paths one decode keeps (more are counted, not named): bounds what a hostile
/// reply of a million empty objects can cost.
const MAX_PATHS: usize = 64;
/// Distinct (action, path) pairs a client keeps.
const MAX_RECORDED: usize = 1024;

#[derive(Default)]
struct Scope {
    active: bool,
    strict: bool,
    /// Path and count of each correction so far: full paths, and paths relative to the
    /// fields still being read.
    paths: Vec<(String, u64)>,
    /// For each field being read (innermost last), where its corrections start in `paths`.
    open: Vec<usize>,
    /// Corrections beyond [`MAX_PATHS`].
    unnamed: u64,
}

thread_local! {
    static SCOPE: RefCell<Scope> = RefCell::new(Scope::default());
}

/// What one decode corrected.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Found {
    /// Each path, with how often.
    pub(crate) paths: Vec<(String, u64)>,
    /// Corrections whose path was not kept.
    pub(crate) unnamed: u64,
}

/// Resets the scope even if decoding panics.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        SCOPE.with(|s| *s.borrow_mut() = Scope::default());
    }
}

/// Runs `decode` in a scope of its own (`strict` or lenient), returning what it corrected.
/// Nested calls share the outer scope (and report nothing themselves).
pub(crate) fn scoped<R>(strict: bool, decode: impl FnOnce() -> R) -> (R, Found) {
    let nested = SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        let nested = s.active;
        if !nested {
            *s = Scope { active: true, strict, ..Scope::default() };
        }
        nested
    });
    if nested {
        return (decode(), Found::default());
    }
    let guard = Guard;
    let out = decode();
    let found = SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        Found { paths: std::mem::take(&mut s.paths), unnamed: s.unnamed }
    });
    drop(guard);
    (out, found)
}

/// Runs `decode` in the current scope, or in a lenient one that logs its corrections.
pub(super) fn within_scope<R>(decode: impl FnOnce() -> R) -> R {
    let (out, found) = scoped(false, decode);
    warn(None, &found);
    out
}

/// Logs each correction (`tracing::warn!`, naming the action when known and the field).
pub(crate) fn warn(action: Option<&str>, found: &Found) {
    for (path, count) in &found.paths {
        tracing::warn!(
            action = action.unwrap_or("?"),
            field = %path,
            count,
            "tc-runtime: a required response field was absent or null; decoded as its zero value"
        );
    }
    if found.unnamed > 0 {
        tracing::warn!(
            action = action.unwrap_or("?"),
            count = found.unnamed,
            "tc-runtime: more required response fields were absent or null; decoded as their zero values"
        );
    }
}

/// Reading the value of a field starts.
pub(super) fn enter() {
    SCOPE.with(|s| {
        let mut s = s.borrow_mut();
        let at = s.paths.len();
        s.open.push(at);
    });
}

/// Reading the value of `field` ended: the corrections made inside it get `field.` in front,
/// and repeats merge (one per element of an array of objects) within the enclosing field.
pub(super) fn leave(field: &str) {
    SCOPE.with(|s| {
        let s = &mut *s.borrow_mut();
        let Some(mark) = s.open.pop() else { return };
        if s.paths.len() <= mark {
            return;
        }
        let inner = s.paths.split_off(mark);
        let region = s.open.last().copied().unwrap_or(0).min(mark);
        for (path, count) in inner {
            add(&mut s.paths, region, format!("{field}.{path}"), count, &mut s.unnamed);
        }
    });
}

/// Adds `count` to `path` among `paths[region..]`, or appends it (up to [`MAX_PATHS`]).
fn add(paths: &mut Vec<(String, u64)>, region: usize, path: String, count: u64, unnamed: &mut u64) {
    if let Some((_, n)) = paths[region..].iter_mut().find(|(p, _)| *p == path) {
        *n += count;
    } else if paths.len() < MAX_PATHS {
        paths.push((path, count));
    } else {
        *unnamed += count;
    }
}

/// A required `field` was absent (or `null`): an error in strict mode, else recorded (the
/// caller then fills the zero value).
pub(super) fn absent(field: &'static str, null: bool) -> Result<()> {
    SCOPE.with(|s| {
        let s = &mut *s.borrow_mut();
        if s.strict {
            return Err(ReadError(if null { ErrorKind::Null(field) } else { ErrorKind::Missing(field) }));
        }
        let region = s.open.last().copied().unwrap_or(0);
        add(&mut s.paths, region, field.to_owned(), 1, &mut s.unnamed);
        Ok(())
    })
}

/// A correction a client made: in replies to `action`, the required `field` (a path such as
/// `Machines.Disk.DiskId`) was absent or `null` `count` times and decoded as its zero value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Correction {
    /// The action whose reply was corrected.
    pub action: &'static str,
    /// The field's path from the top of `Response` (`.` between levels; arrays have no index).
    pub field: String,
    /// How many times.
    pub count: u64,
}

/// The corrections of one client and its views: cheap to clone, bounded.
#[derive(Clone, Debug, Default)]
pub struct Corrections(Arc<Mutex<BTreeMap<(&'static str, String), u64>>>);

impl Corrections {
    /// Records what one decode of a reply to `action` corrected.
    pub(crate) fn record(&self, action: &'static str, found: &Found) {
        if found.paths.is_empty() && found.unnamed == 0 {
            return;
        }
        // Plain counters, valid even if a holder panicked: ignore poisoning.
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let unnamed = (found.unnamed > 0).then(|| ("(more fields)".to_owned(), found.unnamed));
        for (path, count) in found.paths.iter().cloned().chain(unnamed) {
            let key = (action, path);
            if map.len() < MAX_RECORDED || map.contains_key(&key) {
                *map.entry(key).or_default() += count;
            }
        }
    }

    /// Every correction so far, sorted by action and field.
    pub fn snapshot(&self) -> Vec<Correction> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.iter().map(|((action, field), count)| Correction { action, field: field.clone(), count: *count }).collect()
    }
}
