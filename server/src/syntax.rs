//! HTTP/1.1 request syntax, strictly as RFC 9112 and RFC 9110 allow it: the request line and
//! header fields, how the body is framed (Content-Length or chunked, never both, never
//! ambiguous), chunk-size lines with their extensions, and trailer fields. Pure functions on
//! bytes; the connection I/O is in `http.rs`.
//!
//! What a lenient parser would take and this one refuses: a sign, spaces, `0x` or more than
//! 16 digits in a chunk size; an empty chunk extension name or trailing whitespace after it;
//! a Content-Length with a sign, in a list, or two that disagree; Transfer-Encoding other
//! than exactly `chunked`, in more than one header, beside a Content-Length, or on HTTP/1.0;
//! obs-fold continuation lines; whitespace before a header's colon; control characters
//! (a bare CR or LF, NUL) in a value or in the request target; no `Host`, or two.

use std::time::Instant;

use crate::request::Request;

/// Longest chunk-size line (size and extensions) accepted.
pub(crate) const MAX_CHUNK_LINE: usize = 1024;
/// Most hex digits in a chunk size (leading zeros included): 16 cover any `u64`.
const MAX_CHUNK_DIGITS: usize = 16;

/// How a request's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// This many bytes (0 without Content-Length).
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// `tchar` of RFC 9110.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().copied().all(is_tchar)
}

/// A field value: VCHAR, SP, HTAB and obs-text only (no CR, LF, NUL or other controls).
fn is_field_value(s: &[u8]) -> bool {
    s.iter()
        .all(|&b| b == b'\t' || b == b' ' || (0x21..=0x7E).contains(&b) || b >= 0x80)
}

/// One `field-name ":" OWS field-value OWS` line; the value is returned trimmed.
pub(crate) fn parse_field_line(line: &[u8]) -> Result<(&str, &str), &'static str> {
    if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
        return Err("obsolete line folding");
    }
    let colon = line
        .iter()
        .position(|b| *b == b':')
        .ok_or("malformed header line")?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if !is_token(name) {
        return Err("malformed header name");
    }
    if !is_field_value(value) {
        return Err("control character in a header value");
    }
    let name = std::str::from_utf8(name).map_err(|_| "malformed header name")?;
    let value = std::str::from_utf8(value).map_err(|_| "header value is not UTF-8")?;
    Ok((name, value.trim_matches([' ', '\t'])))
}

/// The CRLF-separated lines of a head.
struct CrlfLines<'a>(&'a [u8]);

impl<'a> Iterator for CrlfLines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.0.is_empty() {
            return None;
        }
        match self.0.windows(2).position(|w| w == b"\r\n") {
            Some(i) => {
                let line = &self.0[..i];
                self.0 = &self.0[i + 2..];
                Some(line)
            }
            None => Some(std::mem::take(&mut self.0)),
        }
    }
}

/// Parses a request head (without the final blank line).
pub(crate) fn parse_head(head: &[u8]) -> Result<Request, &'static str> {
    // Lines end with CRLF; a bare CR or LF left inside a line fails the checks below.
    let mut lines = CrlfLines(head);
    let request_line = lines.next().ok_or("empty request")?;
    let text = std::str::from_utf8(request_line).map_err(|_| "request line is not UTF-8")?;
    let mut parts = text.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("malformed request line");
    };
    if !is_token(method.as_bytes()) {
        return Err("malformed method");
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err("unsupported HTTP version"),
    };
    if !target.bytes().all(|b| (0x21..=0x7E).contains(&b)) {
        return Err("malformed request target");
    }
    // Origin form (`/?a=b`) or absolute form (`http://host/?a=b`, as sent to proxies).
    let origin = if target.starts_with('/') {
        target
    } else if let Some(rest) = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        rest.find('/').map_or("/", |i| &rest[i..])
    } else {
        return Err("malformed request target");
    };
    let (path, query) = origin.split_once('?').unwrap_or((origin, ""));
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = parse_field_line(line)?;
        headers.push((name.to_owned(), value.to_owned()));
    }
    let hosts = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("host"))
        .count();
    if hosts > 1 || (hosts == 0 && !http10) {
        return Err("a request needs exactly one Host header");
    }
    Ok(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        http10,
        received: Instant::now(),
        headers,
        body: Vec::new(),
    })
}

/// How the body of `head` is framed (RFC 9112 section 6).
pub(crate) fn framing(head: &Request) -> Result<Framing, &'static str> {
    let values = |name: &str| -> Vec<&str> {
        head.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let codings = values("transfer-encoding");
    let lengths = values("content-length");
    if !codings.is_empty() {
        if head.http10 {
            return Err("Transfer-Encoding on HTTP/1.0");
        }
        if !lengths.is_empty() {
            return Err("both Content-Length and Transfer-Encoding");
        }
        return match codings.as_slice() {
            [one] if one.eq_ignore_ascii_case("chunked") => Ok(Framing::Chunked),
            _ => Err("unsupported Transfer-Encoding"),
        };
    }
    let Some((first, rest)) = lengths.split_first() else {
        return Ok(Framing::Length(0));
    };
    if rest.iter().any(|v| v != first) {
        return Err("conflicting Content-Length headers");
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err("invalid Content-Length");
    }
    first
        .parse::<usize>()
        .map(Framing::Length)
        .map_err(|_| "invalid Content-Length")
}

fn hex_value(b: u8) -> Option<usize> {
    char::from(b).to_digit(16).map(|d| d as usize)
}

fn skip_bws(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
    &s[n..]
}

/// The length of the quoted-string at the start of `s`, if it is one.
fn quoted_string_len(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'"' => return Some(i + 1),
            b'\\' => {
                let escaped = *s.get(i + 1)?;
                if escaped != b'\t'
                    && escaped != b' '
                    && !(0x21..=0x7E).contains(&escaped)
                    && escaped < 0x80
                {
                    return None;
                }
                i += 2;
            }
            b'\t' | b' ' | 0x21 | 0x23..=0x5B | 0x5D..=0x7E | 0x80.. => i += 1,
            _ => return None,
        }
    }
    None
}

/// `chunk-size [ chunk-ext ]` (without CRLF) → the size.
/// `chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`.
pub(crate) fn parse_chunk_line(line: &[u8]) -> Result<usize, &'static str> {
    if line.len() > MAX_CHUNK_LINE {
        return Err("chunk-size line too long");
    }
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err("chunk size is not hexadecimal digits");
    }
    if digits > MAX_CHUNK_DIGITS {
        return Err("chunk size has too many digits");
    }
    let mut size: usize = 0;
    for &b in &line[..digits] {
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(hex_value(b).unwrap_or(0)))
            .ok_or("chunk size overflows")?;
    }
    let mut rest = &line[digits..];
    while !rest.is_empty() {
        rest = skip_bws(rest)
            .strip_prefix(b";")
            .ok_or("malformed chunk extension")?;
        rest = skip_bws(rest);
        let name = rest.iter().take_while(|b| is_tchar(**b)).count();
        if name == 0 {
            return Err("chunk extension without a name");
        }
        rest = &rest[name..];
        if let Some(value) = skip_bws(rest).strip_prefix(b"=") {
            let value = skip_bws(value);
            let token = value.iter().take_while(|b| is_tchar(**b)).count();
            let len = if token > 0 {
                token
            } else {
                quoted_string_len(value).ok_or("malformed chunk extension value")?
            };
            rest = &value[len..];
        }
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_head() {
        let r = parse_head(
            b"GET /?A=1&B.0=x HTTP/1.1\r\nHost: h:1\r\nX-TC-Action:  Foo \r\nConnection: close",
        )
        .unwrap();
        assert_eq!(
            (r.method.as_str(), r.path.as_str(), r.query.as_str()),
            ("GET", "/", "A=1&B.0=x")
        );
        assert_eq!(r.header("x-tc-action"), Some("Foo"));
        assert_eq!(r.header("HOST"), Some("h:1"));
        assert!(!r.keep_alive());
        let r = parse_head(b"POST http://127.0.0.1:9/ HTTP/1.0\r\nConnection: keep-alive").unwrap();
        assert_eq!(r.path, "/");
        assert!(r.keep_alive());
        assert!(!parse_head(b"POST / HTTP/1.0").unwrap().keep_alive());
        assert!(
            parse_head(b"POST / HTTP/1.1\r\nHost: x")
                .unwrap()
                .keep_alive()
        );
        assert_eq!(
            parse_head(b"POST / HTTP/1.1\r\nHost: x\r\nA:\t b \t")
                .unwrap()
                .header("a"),
            Some("b")
        );
    }

    #[test]
    fn rejects_malformed_heads() {
        for bad in [
            &b"POST / HTTP/2"[..],
            b"POST /",
            b"POST  / HTTP/1.1\r\nHost: x",
            b"POST / HTTP/1.1\r\nHost: x\r\nNo colon",
            b"POST / HTTP/1.1\r\nHost: x\r\nBad Name: x",
            b"POST / HTTP/1.1\r\nHost: x\r\nName : x",
            b"POST / HTTP/1.1\r\nHost: x\r\nA: b\r\n c",
            b"POST / HTTP/1.1\r\nHost: x\r\nA: b\nC: d",
            b"POST / HTTP/1.1\r\nHost: x\r\nA: b\rc",
            b"POST / HTTP/1.1\r\nHost: x\r\nA: b\0c",
            b"POST / HTTP/1.1\r\nHost: x\r\nA: b\x7fc",
            b"POST / HTTP/1.1",
            b"POST / HTTP/1.1\r\nHost: x\r\nhost: y",
            b"POST / HTTP/1.0\r\nHost: x\r\nHost: y",
            b"P(ST / HTTP/1.1\r\nHost: x",
            b"POST * HTTP/1.1\r\nHost: x",
            b"POST /\x01 HTTP/1.1\r\nHost: x",
            b"POST /\xc3\xa9 HTTP/1.1\r\nHost: x",
            b"\xff / HTTP/1.1\r\nHost: x",
        ] {
            assert!(parse_head(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    fn framing_of(head: &str) -> Result<Framing, &'static str> {
        framing(&parse_head(head.as_bytes()).unwrap())
    }

    #[test]
    fn body_framing() {
        let h = "POST / HTTP/1.1\r\nHost: x";
        assert_eq!(framing_of(h), Ok(Framing::Length(0)));
        assert_eq!(
            framing_of(&format!("{h}\r\nContent-Length: 12")),
            Ok(Framing::Length(12))
        );
        assert_eq!(
            framing_of(&format!(
                "{h}\r\nContent-Length: 012\r\ncontent-length: 012"
            )),
            Ok(Framing::Length(12))
        );
        assert_eq!(
            framing_of(&format!("{h}\r\nTransfer-Encoding: CHUNKED")),
            Ok(Framing::Chunked)
        );
        for bad in [
            "Content-Length: +1",
            "Content-Length: -1",
            "Content-Length: 1, 1",
            "Content-Length: ",
            "Content-Length: 1\r\nContent-Length: 2",
            "Content-Length: 99999999999999999999999",
            "Content-Length: 1\r\nTransfer-Encoding: chunked",
            "Transfer-Encoding: gzip",
            "Transfer-Encoding: chunked, chunked",
            "Transfer-Encoding: gzip, chunked",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
        ] {
            assert!(framing_of(&format!("{h}\r\n{bad}")).is_err(), "{bad}");
        }
        assert!(framing_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked").is_err());
    }

    #[test]
    fn chunk_lines() {
        for (line, size) in [
            ("0", 0),
            ("a", 10),
            ("FF", 255),
            ("000a", 10),
            ("ffffffffffffffff", usize::MAX),
            ("5;a", 5),
            ("5;a=b", 5),
            ("5 ;a=b\t;c = \"d\\\"e\"", 5),
            ("5;a=\"\"", 5),
        ] {
            assert_eq!(parse_chunk_line(line.as_bytes()), Ok(size), "{line}");
        }
        for bad in [
            "",
            "+5",
            "-5",
            " 5",
            "5 ",
            "0x5",
            "5g",
            "00000000000000005",
            "10000000000000000",
            "5;",
            "5; ",
            "5;a ",
            "5;a=",
            "5;a=\"b",
            "5;a=b c",
            "5,a",
            "5;a=\"\x01\"",
        ] {
            assert!(parse_chunk_line(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(
            parse_chunk_line(format!("5;a={}", "b".repeat(MAX_CHUNK_LINE)).as_bytes()).is_err()
        );
    }
}
