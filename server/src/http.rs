//! A small HTTP/1.1 server side on a raw `TcpStream`: reads requests (Content-Length or
//! chunked bodies, `Expect: 100-continue`, keep-alive) and writes responses byte by byte,
//! so that faults can stop anywhere: before the status line, or mid-body after a
//! `Content-Length` larger than what is sent.

use std::io;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest request head (request line and headers) accepted.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How long a kept-alive connection may sit idle, or a request take to arrive.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// A body declared this many times over the cap is not drained: the connection is closed.
const DRAIN_FACTOR: usize = 4;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    /// The raw query string, without `?` (empty if none).
    pub(crate) query: String,
    pub(crate) http10: bool,
    /// When the first byte of the request arrived.
    pub(crate) received: Instant,
    /// Header names as sent, values trimmed.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub(crate) fn keep_alive(&self) -> bool {
        let conn = self.header("connection").map(str::to_ascii_lowercase);
        match conn.as_deref() {
            Some(c) if c.split(',').any(|t| t.trim() == "close") => false,
            Some(c) if c.split(',').any(|t| t.trim() == "keep-alive") => true,
            _ => !self.http10,
        }
    }
}

/// What reading from a connection produced.
#[derive(Debug)]
pub(crate) enum Read {
    /// A complete request.
    Request(Request),
    /// The body is larger than the cap; it was drained (`keep_alive`) or cannot be.
    TooLarge { head: Request, keep_alive: bool },
    /// Not HTTP/1.x as this server speaks it: answer 400 and close.
    Malformed(&'static str),
    /// The peer closed (or idled out) between requests.
    Closed,
}

/// A connection with its read buffer (bytes past one request belong to the next).
pub(crate) struct Conn {
    pub(crate) stream: TcpStream,
    buf: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

impl Conn {
    pub(crate) fn new(stream: TcpStream) -> Self {
        Self { stream, buf: Vec::with_capacity(8 * 1024) }
    }

    /// Reads more bytes into the buffer; `Ok(false)` at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        let n = tokio::time::timeout(IDLE_TIMEOUT, self.stream.read(&mut chunk))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "idle"))??;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// Reads the next request; the body is capped at `max_body` bytes.
    pub(crate) async fn read(&mut self, max_body: usize) -> io::Result<Read> {
        let mut scanned: usize = 0;
        // Bytes already buffered (a pipelined request) arrived no later than now.
        let mut first_byte = (!self.buf.is_empty()).then(Instant::now);
        let head_end = loop {
            if let Some(p) = find(&self.buf, b"\r\n\r\n", scanned.saturating_sub(3)) {
                break p;
            }
            scanned = self.buf.len();
            if self.buf.len() > MAX_HEAD_BYTES {
                return Ok(Read::Malformed("request head too large"));
            }
            match self.fill().await {
                Ok(true) => {
                    first_byte.get_or_insert_with(Instant::now);
                }
                Ok(false) if self.buf.is_empty() => return Ok(Read::Closed),
                Ok(false) => return Ok(Read::Malformed("connection closed mid-request")),
                Err(e) if e.kind() == io::ErrorKind::TimedOut && self.buf.is_empty() => return Ok(Read::Closed),
                Err(e) => return Err(e),
            }
        };
        if head_end > MAX_HEAD_BYTES {
            return Ok(Read::Malformed("request head too large"));
        }
        let head = match parse_head(&self.buf[..head_end]) {
            Ok(h) => Request { received: first_byte.unwrap_or_else(Instant::now), ..h },
            Err(why) => return Ok(Read::Malformed(why)),
        };
        self.buf.drain(..head_end + 4);

        let chunked = match head.header("transfer-encoding") {
            None => false,
            Some(te) if te.eq_ignore_ascii_case("chunked") => true,
            Some(_) => return Ok(Read::Malformed("unsupported Transfer-Encoding")),
        };
        let lengths: Vec<&str> = head
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.as_str())
            .collect();
        if chunked && !lengths.is_empty() {
            return Ok(Read::Malformed("both Content-Length and Transfer-Encoding"));
        }
        let length = match lengths.as_slice() {
            [] => 0,
            [first, rest @ ..] if rest.iter().all(|v| v == first) => match first.parse::<usize>() {
                Ok(n) if first.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => return Ok(Read::Malformed("invalid Content-Length")),
            },
            _ => return Ok(Read::Malformed("conflicting Content-Length headers")),
        };
        let expects_continue = head.header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));

        if !chunked && length > max_body {
            let keep_alive = length <= max_body.saturating_mul(DRAIN_FACTOR) && self.drain(length).await?;
            return Ok(Read::TooLarge { head, keep_alive });
        }
        if expects_continue && (chunked || length > self.buf.len()) {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
        }
        let body = if chunked {
            match self.read_chunked(max_body).await? {
                Some(b) => b,
                None => return Ok(Read::TooLarge { head, keep_alive: false }),
            }
        } else {
            while self.buf.len() < length {
                if !self.fill().await? {
                    return Ok(Read::Malformed("connection closed mid-body"));
                }
            }
            self.buf.drain(..length).collect()
        };
        Ok(Read::Request(Request { body, ..head }))
    }

    /// Discards `length` body bytes; `false` if the peer closed first.
    async fn drain(&mut self, mut length: usize) -> io::Result<bool> {
        loop {
            let take = length.min(self.buf.len());
            self.buf.drain(..take);
            length -= take;
            if length == 0 {
                return Ok(true);
            }
            if !self.fill().await? {
                return Ok(false);
            }
        }
    }

    /// Reads a chunked body; `None` when it grows past `max_body` (the rest is not drained).
    async fn read_chunked(&mut self, max_body: usize) -> io::Result<Option<Vec<u8>>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(p) = find(&self.buf, b"\r\n", 0) {
                    break p;
                }
                if self.buf.len() > 1024 || !self.fill().await? {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "bad chunk size line"));
                }
            };
            let line = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            self.buf.drain(..line_end + 2);
            if size == 0 {
                // Trailers, if any, end with an empty line.
                loop {
                    let end = loop {
                        if let Some(p) = find(&self.buf, b"\r\n", 0) {
                            break p;
                        }
                        if self.buf.len() > MAX_HEAD_BYTES || !self.fill().await? {
                            return Err(io::Error::new(io::ErrorKind::InvalidData, "bad trailers"));
                        }
                    };
                    self.buf.drain(..end + 2);
                    if end == 0 {
                        return Ok(Some(body));
                    }
                }
            }
            if body.len().saturating_add(size) > max_body {
                return Ok(None);
            }
            while self.buf.len() < size + 2 {
                if !self.fill().await? {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed mid-chunk"));
                }
            }
            body.extend_from_slice(&self.buf[..size]);
            if &self.buf[size..size + 2] != b"\r\n" {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "chunk not followed by CRLF"));
            }
            self.buf.drain(..size + 2);
        }
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn parse_head(head: &[u8]) -> Result<Request, &'static str> {
    let text = std::str::from_utf8(head).map_err(|_| "request head is not UTF-8")?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().ok_or("empty request")?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("malformed request line");
    };
    if !is_token(method) {
        return Err("malformed method");
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err("unsupported HTTP version"),
    };
    // Origin form (`/?a=b`) or absolute form (`http://host/?a=b`, as sent to proxies).
    let origin = if target.starts_with('/') {
        target
    } else if let Some(rest) = target.strip_prefix("http://").or_else(|| target.strip_prefix("https://")) {
        rest.find('/').map_or("/", |i| &rest[i..])
    } else {
        return Err("malformed request target");
    };
    let (path, query) = origin.split_once('?').unwrap_or((origin, ""));
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or("malformed header line")?;
        if !is_token(name) {
            return Err("malformed header name");
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
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

/// A response ready to be written.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// The status line and headers, declaring `content_length` bytes of body.
pub(crate) fn head_bytes(status: u16, content_type: &str, content_length: usize, keep_alive: bool) -> Vec<u8> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    format!(
        "HTTP/1.1 {status} {}\r\nServer: tc-mock\r\nContent-Type: {content_type}\r\nContent-Length: {content_length}\r\nConnection: {connection}\r\n\r\n",
        reason(status)
    )
    .into_bytes()
}

/// Writes a whole response.
pub(crate) async fn write_response(stream: &mut TcpStream, resp: &Response, keep_alive: bool) -> io::Result<()> {
    let mut bytes = head_bytes(resp.status, resp.content_type, resp.body.len(), keep_alive);
    bytes.extend_from_slice(&resp.body);
    stream.write_all(&bytes).await?;
    stream.flush().await
}

/// Writes the head declaring the whole body, then only its first `sent` bytes.
pub(crate) async fn write_partial(stream: &mut TcpStream, resp: &Response, sent: usize) -> io::Result<()> {
    let mut bytes = head_bytes(resp.status, resp.content_type, resp.body.len(), true);
    bytes.extend_from_slice(&resp.body[..sent.min(resp.body.len())]);
    stream.write_all(&bytes).await?;
    stream.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_head() {
        let r =
            parse_head(b"GET /?A=1&B.0=x HTTP/1.1\r\nHost: h:1\r\nX-TC-Action:  Foo \r\nConnection: close").unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str(), r.query.as_str()), ("GET", "/", "A=1&B.0=x"));
        assert_eq!(r.header("x-tc-action"), Some("Foo"));
        assert_eq!(r.header("HOST"), Some("h:1"));
        assert!(!r.keep_alive());
        let r = parse_head(b"POST http://127.0.0.1:9/ HTTP/1.0\r\nConnection: keep-alive").unwrap();
        assert_eq!(r.path, "/");
        assert!(r.keep_alive());
        assert!(!parse_head(b"POST / HTTP/1.0").unwrap().keep_alive());
        assert!(parse_head(b"POST / HTTP/1.1").unwrap().keep_alive());
    }

    #[test]
    fn rejects_malformed_heads() {
        for bad in [
            &b"POST / HTTP/2"[..],
            b"POST /",
            b"POST  / HTTP/1.1",
            b"POST / HTTP/1.1\r\nNo colon",
            b"POST / HTTP/1.1\r\nBad Name: x",
            b"P(ST / HTTP/1.1",
            b"POST * HTTP/1.1",
            b"\xff / HTTP/1.1",
        ] {
            assert!(parse_head(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
