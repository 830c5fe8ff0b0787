//! `cargo xtask`: project automation (generate, check freshness, synthesize specs).
fn main() {}
