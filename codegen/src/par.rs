//! Runs independent pieces of work on every core and returns their results in input order.
//!
//! The emit and format stages are the generator's cost at scale (a 1,000-action spec is a
//! million lines of Rust), and their pieces are independent: each piece of a generated file
//! is emitted, parsed and printed on its own thread. Token streams never cross threads
//! (`proc_macro2` types are not `Send`); only the IR (shared, read-only) goes in and strings
//! come out. The output does not depend on the number of threads or on scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// `items.iter().map(f).collect()`, with `f` run on up to `available_parallelism` threads.
///
/// Workers take the next unclaimed index, so long and short items balance out; results are
/// put back in input order. With one core, or one item, nothing is spawned.
pub fn map<'a, T: Sync, R: Send>(items: &'a [T], f: impl Fn(&'a T) -> R + Sync) -> Vec<R> {
    let threads = thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            done.push((i, f(item)));
        }
        done
    };
    let mut results: Vec<(usize, R)> = thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(worker)).collect();
        let mut all = worker();
        for handle in handles {
            // A worker only panics if `f` does; pass that panic on unchanged.
            all.extend(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        all
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn keeps_input_order_whatever_the_cost_of_each_item() {
        let items: Vec<u64> = (0..200).collect();
        let out = map(&items, |&i| {
            // Uneven work so workers finish out of order.
            let mut x = i;
            for _ in 0..(i % 7) * 1000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            (i, x)
        });
        assert_eq!(out.iter().map(|(i, _)| *i).collect::<Vec<_>>(), items);
    }

    #[test]
    fn empty_and_single_inputs() {
        assert!(map(&[] as &[u8], |&b| b).is_empty());
        assert_eq!(map(&[7u8], |&b| b + 1), vec![8]);
    }
}
