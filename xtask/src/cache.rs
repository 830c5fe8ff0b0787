//! The generator's format cache on disk: the printed text of each Rust piece of the last run,
//! so the next `gen` or `emit` formats only the pieces whose tokens changed
//! ([`tc_codegen::format::FormatCache`]).
//!
//! One file per output directory, beside the xtask executable (in cargo's target directory:
//! `cargo clean` removes it, and nothing lands in the repository). The stamp stored with it
//! is the executable's size and modification time: a rebuilt xtask (a changed generator, a
//! new `prettyplease`) finds no usable cache and starts over, so a cached piece is always
//! what this very binary would print. A missing, stale or corrupt file is an empty cache; a
//! file that cannot be written is a warning, never a failed run.

use std::collections::BTreeMap;
use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use tc_codegen::emit::Options;
use tc_codegen::format::FormatCache;
use tc_codegen::ir::Api;

/// Emits the crate, through the cache in `store` when there is one: loads it, emits reusing
/// it, saves this run's pieces. The output is the same either way.
pub fn emit(api: &Api, options: &Options, store: Option<&Store>) -> Result<BTreeMap<String, String>, String> {
    let Some(store) = store else {
        return tc_codegen::emit::generate(api, options).map_err(|e| e.to_string());
    };
    let (files, cache) = tc_codegen::emit::generate_cached(api, options, &store.load()).map_err(|e| e.to_string())?;
    store.save(&cache);
    Ok(files)
}

/// Where the cache of one output directory lives, and the stamp it must carry.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
    stamp: String,
}

impl Store {
    /// The store for the crate generated at `out`; `None` if the executable cannot be found
    /// (then runs are simply uncached).
    pub fn for_output(out: &Path) -> Option<Store> {
        let exe = std::env::current_exe().ok()?;
        let meta = fs::metadata(&exe).ok()?;
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        let stamp = format!("{} {} {}", exe.display(), meta.len(), modified.as_nanos());
        // Absolute without touching the disk: the same name before and after the first run
        // creates the directory.
        let out = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
        let mut hasher = DefaultHasher::new();
        out.hash(&mut hasher);
        let name = format!("{:016x}.bin", hasher.finish());
        Some(Store { path: exe.parent()?.join("xtask-format-cache").join(name), stamp })
    }

    /// The cache of the last run, or an empty one.
    pub fn load(&self) -> FormatCache {
        match fs::read(&self.path) {
            Ok(bytes) => FormatCache::from_bytes(&bytes, &self.stamp),
            Err(_) => FormatCache::new(),
        }
    }

    /// Replaces the stored cache (through a temporary file, so a reader never sees half of
    /// one). A failure is reported and otherwise ignored: the output is already written.
    pub fn save(&self, cache: &FormatCache) {
        let write = || -> std::io::Result<()> {
            if let Some(dir) = self.path.parent() {
                fs::create_dir_all(dir)?;
            }
            let tmp = self.path.with_extension(format!("tmp{}", std::process::id()));
            fs::write(&tmp, cache.to_bytes(&self.stamp))?;
            fs::rename(&tmp, &self.path)
        };
        if let Err(e) = write() {
            eprintln!("warning: format cache not saved ({}): {e}", self.path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_cache_loads_back_under_the_same_stamp_only() {
        let dir = std::env::temp_dir().join(format!("tc-xtask-cache-{}", std::process::id()));
        let store = Store { path: dir.join("c.bin"), stamp: "exe 1 2".into() };
        assert!(store.load().is_empty(), "no file yet");
        let mut cache = FormatCache::new();
        cache.insert(7, "pub struct A;\n".into());
        store.save(&cache);
        assert_eq!(store.load(), cache);
        let rebuilt = Store { stamp: "exe 1 3".into(), ..store.clone() };
        assert!(rebuilt.load().is_empty(), "another build's cache is not used");
        fs::write(&store.path, b"garbage").unwrap();
        assert!(store.load().is_empty(), "a corrupt file is an empty cache");
        let _ = fs::remove_dir_all(&dir);
    }
}
