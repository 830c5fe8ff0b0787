//! Benchmarks: the added cost per call of a rate limit shared through Redis on loopback
//! (`redis-server` started by the bench) against the process's own limiter. Run:
//! `cargo bench -p tc-runtime --features redis --bench shared_limits`.
fn main() {}
