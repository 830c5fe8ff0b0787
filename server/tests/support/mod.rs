//! Test helpers: hand-built, hand-signed raw requests over a plain TCP socket (signed with
//! `tc_runtime::sign`, the same code the client uses), and runtime clients aimed at a server.

#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;
use tc_mock::MockServer;
use tc_runtime::sign::{SignInput, sign};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A raw request: every part can be wrong on purpose.
#[derive(Clone, Debug)]
pub struct Raw {
    pub method: String,
    pub path: String,
    /// The query string exactly as sent (and signed), without `?`.
    pub query: String,
    /// `None`: the server's `127.0.0.1:PORT`.
    pub host: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub action: Option<String>,
    pub version: Option<String>,
    /// `None`: now.
    pub timestamp: Option<i64>,
    /// The service in the credential scope.
    pub service: String,
    pub secret_id: String,
    pub secret_key: String,
    /// Sign `x-tc-action` too.
    pub sign_action: bool,
    /// Replaces the computed `Authorization` (`Some("")` sends none).
    pub authorization: Option<String>,
    pub extra_headers: Vec<(String, String)>,
}

impl Raw {
    /// A correct POST of `action` with `body` for tcss 2020-11-01 and the default key.
    pub fn post(action: &str, body: &str) -> Raw {
        Raw {
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            host: None,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
            action: Some(action.into()),
            version: Some("2020-11-01".into()),
            timestamp: None,
            service: "tcss".into(),
            secret_id: tc_mock::DEFAULT_SECRET_ID.into(),
            secret_key: tc_mock::DEFAULT_SECRET_KEY.into(),
            sign_action: false,
            authorization: None,
            extra_headers: Vec::new(),
        }
    }

    /// A correct GET of `action` with this (already encoded) query string.
    pub fn get(action: &str, query: &str) -> Raw {
        Raw {
            method: "GET".into(),
            query: query.into(),
            content_type: Some("application/x-www-form-urlencoded".into()),
            body: Vec::new(),
            ..Raw::post(action, "")
        }
    }

    pub fn with(mut self, f: impl FnOnce(&mut Raw)) -> Raw {
        f(&mut self);
        self
    }

    /// The bytes on the wire for `server`, signed unless `authorization` overrides it.
    pub fn to_bytes(&self, server: &MockServer) -> Vec<u8> {
        let host = self
            .host
            .clone()
            .unwrap_or_else(|| server.addr().to_string());
        let timestamp = self.timestamp.unwrap_or_else(tc_runtime::time::now_unix);
        let content_type = self.content_type.clone().unwrap_or_default();
        let action = self.action.clone().unwrap_or_default();
        let extra: Vec<(&str, &str)> = if self.sign_action {
            vec![("X-TC-Action", action.as_str())]
        } else {
            vec![]
        };
        let signature = sign(&SignInput {
            method: &self.method,
            host: &host,
            canonical_query: &self.query,
            content_type: &content_type,
            payload: &self.body,
            service: &self.service,
            timestamp,
            secret_id: &self.secret_id,
            secret_key: &self.secret_key,
            extra_signed_headers: &extra,
        });
        let authorization = self
            .authorization
            .clone()
            .unwrap_or(signature.authorization);
        let target = if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        let mut head = format!(
            "{} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n",
            self.method
        );
        if let Some(ct) = &self.content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if let Some(a) = &self.action {
            head.push_str(&format!("X-TC-Action: {a}\r\n"));
        }
        if let Some(v) = &self.version {
            head.push_str(&format!("X-TC-Version: {v}\r\n"));
        }
        head.push_str(&format!("X-TC-Timestamp: {timestamp}\r\n"));
        if !authorization.is_empty() {
            head.push_str(&format!("Authorization: {authorization}\r\n"));
        }
        for (k, v) in &self.extra_headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    /// Signs as the SDKs' `unsignedPayload` option does: sends `X-TC-Content-SHA256:
    /// UNSIGNED-PAYLOAD` and hashes that literal text instead of the body.
    pub fn unsigned_payload(mut self, server: &MockServer) -> Raw {
        let timestamp = *self
            .timestamp
            .get_or_insert_with(tc_runtime::time::now_unix);
        self.extra_headers
            .push(("X-TC-Content-SHA256".into(), "UNSIGNED-PAYLOAD".into()));
        let host = self
            .host
            .clone()
            .unwrap_or_else(|| server.addr().to_string());
        let signature = sign(&SignInput {
            method: &self.method,
            host: &host,
            canonical_query: &self.query,
            content_type: self.content_type.as_deref().unwrap_or_default(),
            payload: b"UNSIGNED-PAYLOAD",
            service: &self.service,
            timestamp,
            secret_id: &self.secret_id,
            secret_key: &self.secret_key,
            extra_signed_headers: &[],
        });
        assert_eq!(
            signature.payload_hash,
            "438d4109ef0d676b8c2c7ed13cdfcb418e494d53b843d4634ce3b1085f07bb96"
        );
        self.authorization = Some(signature.authorization);
        self
    }

    pub async fn send(&self, server: &MockServer) -> Reply {
        send_bytes(server, &self.to_bytes(server)).await
    }
}

/// A raw response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// `Response.Error.Code`, if an error envelope.
    pub fn error_code(&self) -> Option<String> {
        self.json()["Response"]["Error"]["Code"]
            .as_str()
            .map(str::to_owned)
    }

    pub fn message(&self) -> String {
        self.json()["Response"]["Error"]["Message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Asserts an HTTP 200 error envelope with this code (one of the spec's common codes, so
    /// the generated client types it) and a uuid-shaped RequestId.
    #[track_caller]
    pub fn assert_error(&self, code: &str) {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        let v = self.json();
        assert_eq!(v["Response"]["Error"]["Code"].as_str(), Some(code), "{v}");
        assert!(
            tc_sdk::common::CommonErrorCode::from_code(code).is_some(),
            "{code} is not a common code"
        );
        assert!(
            v["Response"]["Error"]["Message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
        assert!(
            tc_mock::is_request_id(v["Response"]["RequestId"].as_str().unwrap_or("")),
            "{v}"
        );
    }

    #[track_caller]
    pub fn assert_success(&self) -> Value {
        assert_eq!(self.status, 200);
        let v = self.json();
        assert!(v["Response"]["Error"].is_null(), "{v}");
        assert!(
            tc_mock::is_request_id(v["Response"]["RequestId"].as_str().unwrap_or("")),
            "{v}"
        );
        v["Response"].clone()
    }
}

/// Writes `bytes`, reads until the server closes, splits head and body.
pub async fn send_bytes(server: &MockServer, bytes: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(server.addr()).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf))
        .await
        .expect("the server answers within 10 s")
        .expect("read");
    parse_reply(&buf)
}

pub fn parse_reply(buf: &[u8]) -> Reply {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    Reply {
        status,
        head,
        body: buf[split + 4..].to_vec(),
    }
}

/// A runtime client for `server` with fast retries (base delay 5 ms) and this method.
pub fn client(server: &MockServer, method: tc_runtime::Method) -> tc_runtime::Client {
    server
        .client_builder()
        .expect("endpoint")
        .method(method)
        .retry(tc_runtime::RetryConfig::default().with_base_delay(Duration::from_millis(5)))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}
