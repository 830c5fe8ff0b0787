//! What errors say, read as `anyhow`'s `{:#}` reads them (each `Display` of the chain, joined
//! by `: `): where it happened, once each (issue 13.5); and decoding replies that leave out
//! required fields, leniently and strictly, through the client (issue 13.4).

mod support;

use std::error::Error as StdError;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Deserialize;
use support::{Reply, Server};
use tc_runtime::support::codec::{self, Decode, Fields};
use tc_runtime::{
    ActionInfo, Client, ConfigError, Credentials, CredentialsError, CredentialsProvider, Endpoint, Error, RawCode,
    RetryConfig, ServiceInfo, Timeout, TransportErrorKind,
};

static TCSS: ServiceInfo =
    ServiceInfo { name: "tcss", version: "2020-11-01", default_host: "tcss.tencentcloudapi.com", intl_host: None };
static PRO: ActionInfo =
    ActionInfo { service: &TCSS, name: "DescribeProVersionInfo", rate_limit: Some(20), idempotent: true, idempotency_token: None, unsigned: false };

/// `anyhow`'s `{:#}`: every message of the chain, joined by `: `.
fn chain(e: &dyn StdError) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

fn creds() -> Credentials {
    Credentials::new("AKIDerrors-tests-00000000000000", "errors-test-key")
}

fn refused_addr() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

/// Regression (issue 13.5): `{:#}` read `could not connect: error sending request: error
/// sending request: client error (Connect): …`, and said neither the action nor the host.
#[tokio::test]
async fn a_transport_error_reads_once_with_action_host_and_attempts() {
    let addr = refused_addr();
    let client = Client::builder()
        .credentials(creds())
        .endpoint(Endpoint::custom(&format!("http://{addr}")).unwrap())
        .retry(RetryConfig::default().with_base_delay(Duration::ZERO))
        .build()
        .unwrap();
    let err = client.call::<_, serde_json::Value, RawCode>(&PRO, &()).await.unwrap_err();
    let shown = chain(&err);
    eprintln!("{{:#}}: {shown}");
    let want = format!("DescribeProVersionInfo to http://{addr}: could not connect after 3 attempts: ");
    assert!(shown.starts_with(&want), "{shown}");
    // The root cause (the OS's words) closes the chain; nothing is said twice.
    let root = &shown[want.len()..];
    assert!(root.to_ascii_lowercase().contains("refused"), "{shown}");
    for noise in ["error sending request", "client error (Connect)", "tcp connect error"] {
        assert!(!shown.contains(noise), "{noise:?} in {shown}");
    }
    assert_eq!(shown.matches("could not connect").count(), 1, "{shown}");
    // Display alone is the one line without the cause; the cause is the source.
    assert_eq!(err.to_string(), want.trim_end_matches(": "));
    assert!(err.source().is_some_and(|s| s.source().is_none()));
    let Error::Transport(t) = &err else { panic!() };
    assert_eq!((t.action(), t.attempts()), (Some("DescribeProVersionInfo"), 3));
}

/// Regression (issue 13.5): an endpoint without a scheme is taken as HTTPS, and against a
/// plain-HTTP server it only failed as a timeout, 31 s later. The error says what was assumed.
#[tokio::test]
async fn an_assumed_scheme_is_named_in_the_error() {
    let server = Server::start(|_, _| Reply::ok("", "r")).await;
    let client = Client::builder()
        .credentials(creds())
        .endpoint(Endpoint::custom(&server.addr.to_string()).unwrap())
        .connect_timeout(Duration::from_millis(300))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = client.call::<_, serde_json::Value, RawCode>(&PRO, &()).await.unwrap_err();
    let shown = chain(&err);
    eprintln!("{{:#}}: {shown}");
    let want = format!(
        "DescribeProVersionInfo to https://{} (https assumed: the endpoint was given without a scheme): could not connect after 1 attempt",
        server.addr
    );
    assert!(shown.starts_with(&want), "{shown}");
    let Error::Transport(t) = &err else { panic!() };
    assert_eq!(t.kind(), TransportErrorKind::Connect);
    assert!(matches!(t.timeout(), None | Some(Timeout::Connect(_))), "{err:?}");
}

/// Regression (issue 13.5): `credentials: no credentials found: …: no credentials found: …`.
#[tokio::test]
async fn credential_errors_read_once() {
    let nothing = |_: &str| -> Option<String> { None };
    let err = Client::builder()
        .credentials_provider(Arc::new(Chain(Credentials::default_chain_with(&nothing).unwrap_err())))
        .build()
        .unwrap_err();
    let shown = chain(&err);
    assert!(shown.starts_with("credentials: no credentials found: environment: "), "{shown}");
    assert_eq!(shown.matches("no credentials found").count(), 1, "{shown}");

    // At call time too: a provider that fails after the build.
    let server = Server::start(|_, _| Reply::ok("", "r")).await;
    let client = Client::builder()
        .credentials_provider(Arc::new(FailsLater(AtomicUsize::new(0))))
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .build()
        .unwrap();
    let err = client.call::<_, serde_json::Value, RawCode>(&PRO, &()).await.unwrap_err();
    let shown = chain(&err);
    assert_eq!(shown.matches("TENCENTCLOUD_SECRET_ID").count(), 1, "{shown}");
    assert!(matches!(err, Error::Credentials(_)));
    assert!(ConfigError::from(CredentialsError::EnvNotSet).source().is_none());
}

#[derive(Debug)]
struct Chain(CredentialsError);

impl CredentialsProvider for Chain {
    fn credentials(&self) -> Result<Credentials, CredentialsError> {
        Err(self.0.clone())
    }
}

#[derive(Debug)]
struct FailsLater(AtomicUsize);

impl CredentialsProvider for FailsLater {
    fn credentials(&self) -> Result<Credentials, CredentialsError> {
        match self.0.fetch_add(1, Ordering::SeqCst) {
            0 => Ok(creds()),
            _ => Err(CredentialsError::EnvNotSet),
        }
    }
}

/// A response type as generated: `Total` (Integer) and `Name` (String) required.
#[derive(Debug, PartialEq)]
struct ProResp {
    total: i64,
    name: String,
    request_id: String,
}

impl Decode for ProResp {
    fn decode(fields: &mut dyn Fields) -> codec::Result<Self> {
        let (mut total, mut name, mut request_id) = (0, String::new(), String::new());
        codec::read(fields, &["Total", "Name", "RequestId"], &[0, 1, 2], &mut [&mut total, &mut name, &mut request_id])?;
        Ok(Self { total, name, request_id })
    }
}

impl<'de> Deserialize<'de> for ProResp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        codec::deserialize(d)
    }
}

/// Issue 13.4: by default a reply that leaves out a required field, or sends `null`, decodes
/// with the zero value and is reported (per client, by action and field); a strict client
/// (what the project's own end-to-end tests use) fails the call naming the field.
#[tokio::test]
async fn required_fields_are_corrected_or_strict() {
    let server = Server::start(|_, _| Reply::ok(r#""Total":null"#, "rid-1")).await;
    let client = Client::builder().credentials(creds()).endpoint(Endpoint::custom(&server.url()).unwrap()).build().unwrap();
    let got: ProResp = client.call::<_, _, RawCode>(&PRO, &()).await.unwrap();
    assert_eq!(got, ProResp { total: 0, name: String::new(), request_id: "rid-1".into() });
    client.call::<_, ProResp, RawCode>(&PRO, &()).await.unwrap();
    let seen: Vec<(&str, String, u64)> = client.corrections().into_iter().map(|c| (c.action, c.field, c.count)).collect();
    assert_eq!(seen, [("DescribeProVersionInfo", "Name".to_owned(), 2), ("DescribeProVersionInfo", "Total".to_owned(), 2)]);

    let strict = Client::builder()
        .credentials(creds())
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .strict(true)
        .build()
        .unwrap();
    assert!(strict.is_strict() && !client.is_strict());
    for c in [strict.clone(), client.with_strict(true)] {
        let err = c.call::<_, ProResp, RawCode>(&PRO, &()).await.unwrap_err();
        let Error::Decode(d) = &err else { panic!("{err:?}") };
        assert_eq!(d.request_id(), Some("rid-1"));
        assert!(err.to_string().contains("field `Total` is null"), "{err}");
    }
    assert!(strict.corrections().is_empty());
}
