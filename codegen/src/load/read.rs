//! Reading the spec tree from disk ([`read_dir`]): the only code of the crate that touches
//! the disk, and so the one that must be safe on whatever the directory holds. Only regular
//! files are opened (a FIFO would block open(2), a device such as `/dev/zero` never ends),
//! and a file is read through a cap, never past [`MAX_FILE_BYTES`] + 1 bytes.

use super::MAX_FILE_BYTES;
use crate::diag::{Diagnostic, Diagnostics};
use crate::spec::{SourceFile, SpecFiles};
use std::path::Path;

/// How deep [`read_dir`] descends (`<service>/actions/<Action>.yaml` is depth 3).
const MAX_DIR_DEPTH: usize = 4;

/// Reads every `*.yaml` file under `root` (sorted by path, `/`-separated, relative to
/// `root`). Other files (`README.md`) are ignored, as are hidden entries. Unreadable files,
/// `.yml` files, `.yaml` entries that are not regular files (FIFOs, devices, sockets; a
/// symlink to a regular file is read), files over [`MAX_FILE_BYTES`] and text that is not
/// UTF-8 are errors, all reported at once.
pub fn read_dir(root: &Path) -> Result<SpecFiles, Diagnostics> {
    let mut files = Vec::new();
    let mut diags = Diagnostics::new();
    walk(root, "", 0, &mut files, &mut diags);
    files.sort_by(|a: &SourceFile, b| a.path.cmp(&b.path));
    diags.into_result(SpecFiles { files })
}

fn walk(dir: &Path, rel: &str, depth: usize, files: &mut Vec<SourceFile>, diags: &mut Diagnostics) {
    let shown = if rel.is_empty() { "<spec>".to_owned() } else { rel.to_owned() };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(Diagnostic::file(shown, format!("cannot read directory `{}`: {e}", dir.display())));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                diags.push(Diagnostic::file(shown.clone(), format!("cannot list directory: {e}")));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let rel_path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        let path = entry.path();
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                diags.push(Diagnostic::file(rel_path, format!("cannot read: {e}")));
                continue;
            }
        };
        if meta.is_dir() {
            if depth + 1 >= MAX_DIR_DEPTH {
                diags.push(Diagnostic::file(rel_path, "directory nested too deep for the spec layout"));
            } else {
                walk(&path, &rel_path, depth + 1, files, diags);
            }
        } else if name.ends_with(".yml") {
            diags.push(
                Diagnostic::file(rel_path, "spec files use the `.yaml` extension")
                    .with_help(format!("rename it to `{}.yaml`", name.trim_end_matches(".yml"))),
            );
        } else if name.ends_with(".yaml") {
            if !meta.is_file() {
                // Checked before opening: open(2) blocks on a FIFO until a writer comes, and a
                // device such as /dev/zero never ends.
                diags.push(not_a_regular_file(&path, rel_path, &meta));
                continue;
            }
            match read_file(&path, &meta) {
                Ok(text) => files.push(SourceFile { path: rel_path, text }),
                Err(message) => diags.push(match message {
                    ReadError::At { line, column, message } => Diagnostic::at(rel_path, line, column, message),
                    ReadError::File(message) => Diagnostic::file(rel_path, message),
                }),
            }
        }
    }
}

/// The byte order mark some editors put at the start of a UTF-8 file. YAML allows it there;
/// it is not part of the text (line 1, column 1 is after it).
pub(super) const BOM: &str = "\u{feff}";

/// Why [`read_file`] read no text.
#[derive(Debug, PartialEq)]
enum ReadError {
    /// At a place: invalid UTF-8.
    At { line: usize, column: usize, message: String },
    /// The file as a whole: unreadable or too large.
    File(String),
}

/// A regular file's text, read through a cap: never more than [`MAX_FILE_BYTES`] + 1 bytes
/// are read, whatever the file's size (or a size that changed since `meta` was taken). A
/// leading byte order mark is dropped.
fn read_file(path: &Path, meta: &std::fs::Metadata) -> Result<String, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| ReadError::File(format!("cannot read: {e}")))?;
    read_capped(file, meta.len())
}

/// [`read_file`] on any reader; `size` is the size the file claimed, for the message.
fn read_capped(reader: impl std::io::Read, size: u64) -> Result<String, ReadError> {
    use std::io::Read;
    let cap = MAX_FILE_BYTES as u64;
    let mut bytes = Vec::with_capacity(size.min(cap + 1) as usize);
    reader.take(cap + 1).read_to_end(&mut bytes).map_err(|e| ReadError::File(format!("cannot read: {e}")))?;
    if bytes.len() as u64 > cap {
        let size = if size > cap { format!("{size} bytes") } else { format!("more than {cap} bytes") };
        return Err(ReadError::File(too_large(&size)));
    }
    let bom = if bytes.starts_with(BOM.as_bytes()) { BOM.len() } else { 0 };
    match String::from_utf8(bytes.split_off(bom)) {
        Ok(text) => Ok(text),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            // Everything before the bad byte is valid UTF-8: count lines there.
            let prefix = String::from_utf8_lossy(valid);
            Err(ReadError::At {
                line: prefix.matches('\n').count() + 1,
                column: prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
                message: format!("file is not valid UTF-8 (invalid byte at offset {})", bom + valid.len()),
            })
        }
    }
}

pub(super) fn too_large(size: &str) -> String {
    format!("file is too large ({size}; a spec file is at most {MAX_FILE_BYTES} bytes)")
}

/// A `.yaml` entry that is a FIFO, a device or a socket (itself, or through a symlink).
fn not_a_regular_file(path: &Path, rel_path: String, meta: &std::fs::Metadata) -> Diagnostic {
    let kind = file_kind(&meta.file_type());
    let through = match std::fs::read_link(path) {
        Ok(target) => format!(" (through a symlink to `{}`)", target.display()),
        Err(_) => String::new(),
    };
    Diagnostic::file(rel_path, format!("not a regular file: it is {kind}{through}, so it is not read"))
        .with_help("a spec file is a regular file (a symlink to one is fine)")
}

#[cfg(unix)]
fn file_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn file_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}


#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 13 item 9): a 100 MB file was read whole before it was found too
    /// large. The reader is endless here: reading stops one byte past the cap.
    #[test]
    fn reading_stops_one_byte_past_the_cap() {
        struct Counting(u64);
        impl std::io::Read for Counting {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                buf.fill(b'a');
                self.0 += buf.len() as u64;
                Ok(buf.len())
            }
        }
        let mut endless = Counting(0);
        let got = read_capped(&mut endless, 100 * 1024 * 1024);
        assert_eq!(
            got,
            Err(ReadError::File("file is too large (104857600 bytes; a spec file is at most 1048576 bytes)".into()))
        );
        assert_eq!(endless.0, MAX_FILE_BYTES as u64 + 1);
        // A file that claimed to be small but grew: the message does not invent a size.
        let got = read_capped(std::io::repeat(b'a'), 10);
        assert_eq!(got, Err(ReadError::File(too_large(&format!("more than {MAX_FILE_BYTES} bytes")))));
        // At the cap exactly, it is read.
        let at_cap = "a".repeat(MAX_FILE_BYTES);
        assert_eq!(read_capped(at_cap.as_bytes(), at_cap.len() as u64).map(|t| t.len()), Ok(MAX_FILE_BYTES));
    }

    #[test]
    fn a_leading_byte_order_mark_is_dropped() {
        assert_eq!(read_capped("\u{feff}a: 1\n".as_bytes(), 8), Ok("a: 1\n".to_owned()));
        let bad = read_capped(&b"\xef\xbb\xbfa: \xff\n"[..], 8);
        assert_eq!(
            bad,
            Err(ReadError::At { line: 1, column: 4, message: "file is not valid UTF-8 (invalid byte at offset 6)".into() })
        );
    }
}
