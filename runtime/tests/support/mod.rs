//! A minimal loopback HTTP/1.1 server for tests and benches: captures each raw request and
//! answers from a script, including faults (hang, close, short body, chunked bodies).
//!
//! Hand-rolled on `tokio::net::TcpListener` so a test controls every byte. Binds
//! `127.0.0.1:0` (an ephemeral port); stops when dropped.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One request as received.
#[derive(Clone, Debug)]
pub struct Request {
    /// The request head exactly as received (request line and headers, CRLFs included).
    pub raw_head: String,
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
    /// Index of the TCP connection it came on (0-based, in accept order).
    pub connection: usize,
}

impl Request {
    /// First header of that name (case-insensitive), value as received.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The query string (after `?`), empty if none.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
}

/// How to answer one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete response with Content-Length.
    Full { status: u16, content_type: &'static str, body: Vec<u8> },
    /// A chunked response (no Content-Length), one HTTP chunk per element.
    Chunked { chunks: Vec<Vec<u8>> },
    /// Declares `declared` bytes, sends `body` (shorter), then closes.
    Partial { declared: usize, body: Vec<u8> },
    /// Never answers (the connection stays open until the server is dropped).
    Hang,
    /// Closes the connection without answering.
    Close,
}

impl Reply {
    pub fn json(body: impl Into<String>) -> Reply {
        Reply::Full { status: 200, content_type: "application/json", body: body.into().into_bytes() }
    }

    pub fn ok(fields: &str, request_id: &str) -> Reply {
        let sep = if fields.is_empty() { "" } else { "," };
        Reply::json(format!(r#"{{"Response":{{{fields}{sep}"RequestId":"{request_id}"}}}}"#))
    }

    pub fn api_error(code: &str, message: &str, request_id: &str) -> Reply {
        Reply::json(format!(
            r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"{message}"}},"RequestId":"{request_id}"}}}}"#
        ))
    }

    pub fn status(status: u16, content_type: &'static str, body: &str) -> Reply {
        Reply::Full { status, content_type, body: body.as_bytes().to_vec() }
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    connections: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

impl Server {
    /// Starts a server on 127.0.0.1 with an ephemeral port; `handler(request, index)` picks
    /// the reply for the `index`-th request (0-based, over all connections).
    pub async fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let counter = Arc::new(AtomicUsize::new(0));
        let accept = {
            let (requests, connections, tasks) = (requests.clone(), connections.clone(), tasks.clone());
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let conn = connections.fetch_add(1, Ordering::SeqCst);
                    let task = tokio::spawn(serve(
                        stream,
                        conn,
                        handler.clone(),
                        counter.clone(),
                        requests.clone(),
                    ));
                    tasks.lock().unwrap().push(task);
                }
            })
        };
        Server { addr, requests, connections, accept, tasks }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut stream: TcpStream,
    conn: usize,
    handler: Arc<Handler>,
    counter: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
) {
    let _ = stream.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::new();
    loop {
        // Read the head.
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            if buf.len() > 64 * 1024 {
                return;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let raw_head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = raw_head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buf[head_end..head_end + len].to_vec();
        buf.drain(..head_end + len);
        let request = Request { raw_head, method, target, headers, body, at: Instant::now(), connection: conn };
        let index = counter.fetch_add(1, Ordering::SeqCst);
        let reply = handler(&request, index);
        requests.lock().unwrap().push(request);
        let ok = match reply {
            Reply::Full { status, content_type, body } => {
                let head = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
                    reason(status),
                    body.len()
                );
                write_all(&mut stream, &[head.as_bytes(), &body]).await
            }
            Reply::Chunked { chunks } => {
                let mut out = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                for c in chunks.iter().filter(|c| !c.is_empty()) {
                    out.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                    out.extend_from_slice(c);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
                write_all(&mut stream, &[&out]).await
            }
            Reply::Partial { declared, body } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
                );
                let _ = write_all(&mut stream, &[head.as_bytes(), &body]).await;
                let _ = stream.shutdown().await;
                return;
            }
            Reply::Hang => {
                std::future::pending::<()>().await;
                return;
            }
            Reply::Close => return,
        };
        if !ok {
            return;
        }
    }
}

/// Writes all parts in one `write` (with `TCP_NODELAY`): two small writes would meet Nagle's
/// algorithm and the peer's delayed ACK, adding ~40 ms per response.
async fn write_all(stream: &mut TcpStream, parts: &[&[u8]]) -> bool {
    let out = parts.concat();
    stream.write_all(&out).await.is_ok() && stream.flush().await.is_ok()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
