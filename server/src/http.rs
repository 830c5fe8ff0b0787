//! A small HTTP/1.1 server side on a raw `TcpStream`: reads requests (Content-Length or
//! chunked bodies, `Expect: 100-continue`, keep-alive; the syntax, strict, is in `syntax.rs`)
//! and writes responses byte by byte, so that faults can stop anywhere: before the status
//! line, or mid-body after a `Content-Length` larger than what is sent.

use std::io;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::request::Request;
use crate::syntax::{
    Framing, MAX_CHUNK_LINE, framing, parse_chunk_line, parse_field_line, parse_head,
};

/// Largest request head (request line and headers) accepted.
pub(crate) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How long a kept-alive connection may sit idle, or a request take to arrive.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long one request may take to arrive in full, from its first byte (a client sending
/// a byte now and then cannot hold a connection for ever).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// A body declared this many times over the cap is not drained: the connection is closed.
const DRAIN_FACTOR: usize = 4;
/// Spare capacity reserved before each read (the buffer grows by doubling past it).
const READ_RESERVE: usize = 1024;

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
///
/// The buffer is allocated only when bytes arrive (the connection waits for readability
/// first) and released after each request, so an idle or half-open connection holds little
/// more than its socket.
pub(crate) struct Conn {
    pub(crate) stream: TcpStream,
    buf: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// What reading a chunked body produced.
enum Chunked {
    Body(Vec<u8>),
    TooLarge,
    Malformed(&'static str),
}

impl Conn {
    pub(crate) fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    /// Reads more bytes into the buffer; `Ok(false)` at end of stream. Waits at most
    /// [`IDLE_TIMEOUT`], and never past `deadline`.
    async fn fill(&mut self, deadline: Option<Instant>) -> io::Result<bool> {
        let idle = Instant::now() + IDLE_TIMEOUT;
        let until = deadline.map_or(idle, |d| d.min(idle));
        let (stream, buf) = (&self.stream, &mut self.buf);
        let read = async {
            loop {
                stream.readable().await?;
                buf.reserve(READ_RESERVE);
                match stream.try_read_buf(buf) {
                    Ok(n) => return Ok(n > 0),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Err(e),
                }
            }
        };
        tokio::time::timeout_at(until.into(), read)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "idle"))?
    }

    /// Gives back a buffer that grew for a large request.
    fn release(&mut self) {
        if self.buf.is_empty() {
            self.buf = Vec::new();
        } else if self.buf.capacity() > 4 * self.buf.len().max(READ_RESERVE) {
            self.buf.shrink_to_fit();
        }
    }

    /// Reads the next request; the body is capped at `max_body` bytes.
    pub(crate) async fn read(&mut self, max_body: usize) -> io::Result<Read> {
        let read = self.read_inner(max_body).await;
        self.release();
        read
    }

    async fn read_inner(&mut self, max_body: usize) -> io::Result<Read> {
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
            match self.fill(first_byte.map(|t| t + REQUEST_TIMEOUT)).await {
                Ok(true) => {
                    first_byte.get_or_insert_with(Instant::now);
                }
                Ok(false) if self.buf.is_empty() => return Ok(Read::Closed),
                Ok(false) => return Ok(Read::Malformed("connection closed mid-request")),
                Err(e) if e.kind() == io::ErrorKind::TimedOut && self.buf.is_empty() => {
                    return Ok(Read::Closed);
                }
                Err(e) => return Err(e),
            }
        };
        if head_end > MAX_HEAD_BYTES {
            return Ok(Read::Malformed("request head too large"));
        }
        let received = first_byte.unwrap_or_else(Instant::now);
        let deadline = Some(received + REQUEST_TIMEOUT);
        let head = match parse_head(&self.buf[..head_end]) {
            Ok(h) => Request { received, ..h },
            Err(why) => return Ok(Read::Malformed(why)),
        };
        self.buf.drain(..head_end + 4);
        let framing = match framing(&head) {
            Ok(f) => f,
            Err(why) => return Ok(Read::Malformed(why)),
        };
        let expects_continue = head
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));

        if let Framing::Length(length) = framing {
            if length > max_body {
                let keep_alive = length <= max_body.saturating_mul(DRAIN_FACTOR)
                    && self.drain(length, deadline).await?;
                return Ok(Read::TooLarge { head, keep_alive });
            }
        }
        let waits_for_body = match framing {
            Framing::Chunked => true,
            Framing::Length(n) => n > self.buf.len(),
        };
        if expects_continue && waits_for_body {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await?;
        }
        let body = match framing {
            Framing::Chunked => match self.read_chunked(max_body, deadline).await? {
                Chunked::Body(b) => b,
                Chunked::TooLarge => {
                    return Ok(Read::TooLarge {
                        head,
                        keep_alive: false,
                    });
                }
                Chunked::Malformed(why) => return Ok(Read::Malformed(why)),
            },
            Framing::Length(length) => {
                while self.buf.len() < length {
                    if !self.fill(deadline).await? {
                        return Ok(Read::Malformed("connection closed mid-body"));
                    }
                }
                self.buf.drain(..length).collect()
            }
        };
        Ok(Read::Request(Request { body, ..head }))
    }

    /// Discards `length` body bytes; `false` if the peer closed first.
    async fn drain(&mut self, mut length: usize, deadline: Option<Instant>) -> io::Result<bool> {
        loop {
            let take = length.min(self.buf.len());
            self.buf.drain(..take);
            length -= take;
            if length == 0 {
                return Ok(true);
            }
            if !self.fill(deadline).await? {
                return Ok(false);
            }
        }
    }

    /// The next CRLF-terminated line of at most `max` bytes (CRLF removed from the buffer,
    /// returned as the line's length), or why not.
    async fn line(
        &mut self,
        max: usize,
        deadline: Option<Instant>,
    ) -> io::Result<Result<usize, &'static str>> {
        let mut scanned: usize = 0;
        loop {
            if let Some(p) = find(&self.buf, b"\r\n", scanned.saturating_sub(1)) {
                return Ok(if p > max { Err("line too long") } else { Ok(p) });
            }
            scanned = self.buf.len();
            if self.buf.len() > max + 1 {
                return Ok(Err("line too long"));
            }
            if !self.fill(deadline).await? {
                return Ok(Err("connection closed mid-body"));
            }
        }
    }

    /// Reads a chunked body; `TooLarge` when it grows past `max_body` (the rest is not drained).
    async fn read_chunked(
        &mut self,
        max_body: usize,
        deadline: Option<Instant>,
    ) -> io::Result<Chunked> {
        let mut body = Vec::new();
        loop {
            let line_end = match self.line(MAX_CHUNK_LINE, deadline).await? {
                Ok(n) => n,
                Err(why) => return Ok(Chunked::Malformed(why)),
            };
            let size = match parse_chunk_line(&self.buf[..line_end]) {
                Ok(n) => n,
                Err(why) => return Ok(Chunked::Malformed(why)),
            };
            self.buf.drain(..line_end + 2);
            if size == 0 {
                return self.trailers(deadline).await.map(|t| match t {
                    Ok(()) => Chunked::Body(body),
                    Err(why) => Chunked::Malformed(why),
                });
            }
            if body.len().saturating_add(size) > max_body {
                return Ok(Chunked::TooLarge);
            }
            while self.buf.len() < size + 2 {
                if !self.fill(deadline).await? {
                    return Ok(Chunked::Malformed("connection closed mid-chunk"));
                }
            }
            if &self.buf[size..size + 2] != b"\r\n" {
                return Ok(Chunked::Malformed("chunk data not followed by CRLF"));
            }
            body.extend_from_slice(&self.buf[..size]);
            self.buf.drain(..size + 2);
        }
    }

    /// The trailer section after the last chunk: field lines (checked, then ignored) up to an
    /// empty line, at most [`MAX_HEAD_BYTES`] in all.
    async fn trailers(
        &mut self,
        deadline: Option<Instant>,
    ) -> io::Result<Result<(), &'static str>> {
        let mut total = 0usize;
        loop {
            let end = match self
                .line(MAX_HEAD_BYTES.saturating_sub(total), deadline)
                .await?
            {
                Ok(n) => n,
                Err(why) => return Ok(Err(why)),
            };
            if end == 0 {
                self.buf.drain(..2);
                return Ok(Ok(()));
            }
            if let Err(why) = parse_field_line(&self.buf[..end]) {
                return Ok(Err(why));
            }
            total += end + 2;
            self.buf.drain(..end + 2);
        }
    }
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
pub(crate) fn head_bytes(
    status: u16,
    content_type: &str,
    content_length: usize,
    keep_alive: bool,
) -> Vec<u8> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    format!(
        "HTTP/1.1 {status} {}\r\nServer: tc-mock\r\nContent-Type: {content_type}\r\nContent-Length: {content_length}\r\nConnection: {connection}\r\n\r\n",
        reason(status)
    )
    .into_bytes()
}

/// Writes a whole response.
pub(crate) async fn write_response(
    stream: &mut TcpStream,
    resp: &Response,
    keep_alive: bool,
) -> io::Result<()> {
    let mut bytes = head_bytes(resp.status, resp.content_type, resp.body.len(), keep_alive);
    bytes.extend_from_slice(&resp.body);
    stream.write_all(&bytes).await?;
    stream.flush().await
}

/// Writes the head declaring the whole body, then only its first `sent` bytes.
pub(crate) async fn write_partial(
    stream: &mut TcpStream,
    resp: &Response,
    sent: usize,
) -> io::Result<()> {
    let mut bytes = head_bytes(resp.status, resp.content_type, resp.body.len(), true);
    bytes.extend_from_slice(&resp.body[..sent.min(resp.body.len())]);
    stream.write_all(&bytes).await?;
    stream.flush().await
}
