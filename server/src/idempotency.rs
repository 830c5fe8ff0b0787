//! Idempotency tokens: the first reply of each (SecretId, action, token), so that a request
//! repeating a token already executed gets that reply again instead of executing twice, as a
//! service that honours `ClientToken` does.
//!
//! What is kept: for actions whose IR names an idempotency token
//! (`ir::Action::idempotency_token`, e.g. `ClientToken`), the reply of each request that
//! executed with a non-empty token: its success body (without `RequestId`) or its
//! action-level error. A replay answers that body or error with a fresh `RequestId` (a
//! `RequestId` names one request; Tencent Cloud documents it as unique per request), and is
//! not an execution. Requests refused before executing (a check, the rate limit, a fault
//! before execution) leave nothing behind, so their retry executes. Parameters are not
//! compared: the token alone identifies the operation.
//!
//! Bounded: at most `capacity` entries and `budget` bytes (as [`TokenStore::retained_bytes`]
//! counts them), the oldest entry evicted first; a reply larger than the whole budget is not
//! kept. Tokens longer than [`crate::MAX_IDEMPOTENCY_TOKEN_BYTES`] are refused before
//! execution (`InvalidParameterValue`), so a key is at most a known SecretId, an action of the
//! spec and 64 bytes.

use std::collections::{HashMap, VecDeque};
use std::mem::size_of;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::api_error::ApiErr;
use crate::log::map_heap_bytes;

/// What an executed request answered: the object inside `Response` without `RequestId`, or an
/// action-level error.
pub(crate) type Answer = Result<Map<String, Value>, ApiErr>;

/// Whose token it is, for which action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TokenKey {
    pub(crate) secret_id: String,
    pub(crate) action: String,
    pub(crate) token: String,
}

/// Per-entry overhead counted beside the key and the answer: the map's slot and control
/// bytes, the `Arc`'s counts and the deque's slot with its spare.
const ENTRY_OVERHEAD: usize = size_of::<Arc<TokenKey>>()
    + size_of::<(Answer, usize)>()
    + 16
    + 2 * size_of::<Arc<TokenKey>>()
    + 16;

/// The bytes one entry is charged.
fn charge(key: &TokenKey, answer: &Answer) -> usize {
    let key_bytes = size_of::<TokenKey>()
        + key.secret_id.capacity()
        + key.action.capacity()
        + key.token.capacity();
    let answer_bytes = match answer {
        Ok(body) => map_heap_bytes(body),
        Err(e) => e.code.capacity() + e.message.capacity(),
    };
    ENTRY_OVERHEAD + key_bytes + answer_bytes
}

/// The store: first reply per key, oldest evicted first.
#[derive(Debug)]
pub(crate) struct TokenStore {
    map: HashMap<Arc<TokenKey>, (Answer, usize)>,
    /// Insertion order, oldest first; every key of `map` once.
    order: VecDeque<Arc<TokenKey>>,
    bytes: usize,
    capacity: usize,
    budget: usize,
}

impl TokenStore {
    pub(crate) fn new(capacity: usize, budget: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            capacity,
            budget,
        }
    }

    /// The first answer of this key, if it is remembered.
    pub(crate) fn get(&self, key: &TokenKey) -> Option<&Answer> {
        self.map.get(key).map(|(a, _)| a)
    }

    /// Remembers the first answer of `key` (a later one for the same key is ignored), evicting
    /// the oldest entries to stay within the capacity and the budget.
    pub(crate) fn insert(&mut self, key: TokenKey, answer: Answer) {
        if self.capacity == 0 || self.map.contains_key(&key) {
            return;
        }
        let size = charge(&key, &answer);
        if size > self.budget {
            return;
        }
        while self.map.len() >= self.capacity || self.bytes + size > self.budget {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some((_, n)) = self.map.remove(&old) {
                self.bytes -= n;
            }
        }
        let key = Arc::new(key);
        self.order.push_back(Arc::clone(&key));
        self.map.insert(key, (answer, size));
        self.bytes += size;
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// The bytes the entries are charged (at most the budget).
    pub(crate) fn retained_bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(t: &str) -> TokenKey {
        TokenKey {
            secret_id: "AKID".into(),
            action: "ModifyMachine".into(),
            token: t.into(),
        }
    }

    fn body(v: Value) -> Answer {
        Ok(v.as_object().cloned().unwrap())
    }

    #[test]
    fn first_answer_wins_and_oldest_goes_first() {
        let mut s = TokenStore::new(3, usize::MAX);
        s.insert(key("a"), body(json!({"N": 1})));
        s.insert(key("a"), body(json!({"N": 2})));
        assert_eq!(s.get(&key("a")), Some(&body(json!({"N": 1}))));
        for t in ["b", "c", "d"] {
            s.insert(key(t), body(json!({"T": t})));
        }
        assert_eq!(s.len(), 3);
        assert_eq!(s.get(&key("a")), None, "the oldest was evicted");
        assert!(s.get(&key("d")).is_some());
        let other = TokenKey {
            secret_id: "AKIDother".into(),
            ..key("d")
        };
        assert_eq!(s.get(&other), None, "keys are per SecretId");
        s.clear();
        assert_eq!((s.len(), s.retained_bytes()), (0, 0));
    }

    #[test]
    fn the_byte_budget_holds_and_a_reply_over_it_is_not_kept() {
        let small = body(json!({"X": "x".repeat(100)}));
        let one = charge(&key("0000"), &small);
        let mut s = TokenStore::new(1000, one * 4);
        for i in 0..50 {
            s.insert(key(&format!("{i:04}")), small.clone());
            assert!(s.retained_bytes() <= one * 4);
        }
        assert_eq!(s.len(), 4);
        s.insert(key("big"), body(json!({"X": "x".repeat(one * 8)})));
        assert_eq!(s.get(&key("big")), None);
        assert_eq!(
            s.len(),
            4,
            "nothing was evicted for a reply that cannot fit"
        );
        let err = Err(ApiErr {
            code: "ResourceNotFound".into(),
            message: "gone".into(),
        });
        s.insert(key("err"), err.clone());
        assert_eq!(s.get(&key("err")), Some(&err));
        let mut off = TokenStore::new(0, usize::MAX);
        off.insert(key("a"), small);
        assert_eq!(off.len(), 0);
    }
}
