//! Credentials as Tencent Cloud workloads get them, against loopback doubles of the CVM
//! metadata service and of STS: the instance role, STS `AssumeRole` (signed with the source's
//! credentials) and `AssumeRoleWithWebIdentity` (unsigned, token file re-read), the cache
//! under a hand-moved clock (one refresh for 100 concurrent calls at expiry; a failed refresh
//! keeps valid credentials; expired and unrefreshable is a typed error naming the source),
//! the default chain's order and its error with nothing configured, and no secret in any
//! `Debug` or `Display`.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::{Reply, Request, Server};
use tc_runtime::credentials::{
    AssumeRoleProvider, CachedProvider, CredentialsSource, DefaultChain, ENV_METADATA_ENDPOINT, EnvLookup,
    InstanceRoleProvider, ManualClock, ProvideCredentials, WebIdentityProvider,
};
use tc_runtime::{ActionInfo, Client, Credentials, CredentialsError, Endpoint, Error, RawCode, RetryConfig, ServiceInfo};

const SOURCE_KEY: &str = "source-secret-key-0001";
const WEB_TOKEN: &str = "eyJraWQiOiJ0ZXN0In0.web-identity-payload.signature";
const ROLE_PATH: &str = "/latest/meta-data/cam/security-credentials/";

static TCSS: ServiceInfo =
    ServiceInfo { name: "tcss", version: "2020-11-01", default_host: "tcss.tencentcloudapi.com", intl_host: None };
static ACTION: ActionInfo =
    ActionInfo { service: &TCSS, name: "DescribeProVersionInfo", rate_limit: None, idempotent: true, idempotency_token: None, unsigned: false };

/// The temporary key and token of generation `n` (what every secret check looks for).
fn tmp_key(n: u64) -> String {
    format!("tmp-secret-key-gen{n}")
}
fn tmp_token(n: u64) -> String {
    format!("tmp-token-gen{n}")
}

/// The metadata service's answer for generation `n`, expiring at `expires`.
fn metadata_json(n: u64, expires: u64) -> String {
    format!(
        r#"{{"TmpSecretId":"AKIDgen{n}","TmpSecretKey":"{}","ExpiredTime":{expires},"Expiration":"x","Token":"{}","Code":"Success"}}"#,
        tmp_key(n),
        tmp_token(n)
    )
}

/// A metadata double: role `test-role`; generation `n` of the credentials expires at
/// `1000 * n`; from the generation in `fail_from` on, the credentials path answers 500.
struct Metadata {
    server: Server,
    credential_requests: Arc<AtomicU64>,
}

async fn metadata(fail_from: u64) -> Metadata {
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    let server = Server::start(move |req: &Request, _| {
        if req.target == ROLE_PATH {
            return Reply::status(200, "text/plain", "test-role");
        }
        if req.target == format!("{ROLE_PATH}test-role") {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            if n >= fail_from {
                return Reply::status(500, "text/plain", "internal error");
            }
            return Reply::json(metadata_json(n, 1000 * n));
        }
        Reply::status(404, "text/plain", "no such path")
    })
    .await;
    Metadata { server, credential_requests: count }
}

fn role_provider(m: &Metadata) -> InstanceRoleProvider {
    InstanceRoleProvider::new().endpoint(Endpoint::custom(&m.server.url()).unwrap())
}

/// An API double that answers every call.
async fn api() -> Server {
    Server::start(|_, _| Reply::ok(r#""Ok":true"#, "req-1")).await
}

fn client_for(api: &Server, provider: Arc<dyn ProvideCredentials>) -> Client {
    Client::builder()
        .endpoint(Endpoint::custom(&api.url()).unwrap())
        .credentials_provider(provider)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap()
}

async fn call(client: &Client) -> Result<Value, Error<RawCode>> {
    client.call::<_, Value, RawCode>(&ACTION, &()).await
}

/// The SecretId in a request's `Authorization`, and its `X-TC-Token`.
fn signed_with(req: &Request) -> (String, Option<String>) {
    let auth = tc_runtime::sign::parse_authorization(req.header("authorization").unwrap()).unwrap();
    (auth.secret_id, req.header("x-tc-token").map(str::to_owned))
}

/// A port nothing listens on.
async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn env(pairs: &[(&str, &str)]) -> EnvLookup {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    Arc::new(move |k: &str| map.get(k).cloned())
}

fn assert_no_secret(text: &str) {
    for n in 0..5 {
        assert!(!text.contains(&tmp_key(n)) && !text.contains(&tmp_token(n)), "a secret leaked: {text}");
    }
    assert!(!text.contains(SOURCE_KEY) && !text.contains(WEB_TOKEN), "a secret leaked: {text}");
}

#[tokio::test]
async fn instance_role_credentials_sign_calls() {
    let m = metadata(u64::MAX).await;
    let creds = role_provider(&m).provide_credentials().await.unwrap();
    assert_eq!(creds.secret_id(), "AKIDgen1");
    assert_eq!(creds.token().unwrap().expose_secret(), tmp_token(1));
    assert_eq!(creds.expires_at(), Some(UNIX_EPOCH + Duration::from_secs(1000)));
    let paths: Vec<String> = m.server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(paths, [ROLE_PATH.to_owned(), format!("{ROLE_PATH}test-role")]);

    let clock = ManualClock::at(0);
    let cached = Arc::new(CachedProvider::new(Arc::new(role_provider(&m))).with_clock(Arc::new(clock)));
    let api = api().await;
    let client = client_for(&api, cached.clone());
    call(&client).await.unwrap();
    call(&client).await.unwrap();
    assert_eq!(m.credential_requests.load(Ordering::SeqCst), 2, "the second call reuses the cache");
    for req in api.requests() {
        assert_eq!(signed_with(&req), ("AKIDgen2".to_owned(), Some(tmp_token(2))));
    }
    assert_no_secret(&format!("{cached:?} {client:?} {:?}", cached.cached()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_calls_at_expiry_refresh_once_and_sign_consistently() {
    let m = metadata(u64::MAX).await;
    let clock = ManualClock::at(0);
    let cached = Arc::new(CachedProvider::new(Arc::new(role_provider(&m))).with_clock(Arc::new(clock.clone())));
    let api = api().await;
    let client = client_for(&api, cached);
    call(&client).await.unwrap();
    assert_eq!(m.credential_requests.load(Ordering::SeqCst), 1);
    clock.set(1000); // generation 1 expires now
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { call(&c).await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    assert_eq!(m.credential_requests.load(Ordering::SeqCst), 2, "one refresh for 100 callers");
    let requests = api.requests();
    assert_eq!(requests.len(), 101);
    for req in &requests[1..] {
        // One consistent triple: the id and token of generation 2, and a signature that
        // verifies with generation 2's key.
        assert_eq!(signed_with(req), ("AKIDgen2".to_owned(), Some(tmp_token(2))));
        verify(req, &tmp_key(2));
    }
}

/// Checks `req`'s TC3 signature with `key`.
fn verify(req: &Request, key: &str) {
    let auth = tc_runtime::sign::parse_authorization(req.header("authorization").unwrap()).unwrap();
    let header = |name: &str| req.header(name).map(str::to_owned);
    let timestamp: i64 = req.header("x-tc-timestamp").unwrap().parse().unwrap();
    let vr = tc_runtime::sign::VerifyRequest {
        method: &req.method,
        canonical_query: req.query(),
        payload: &req.body,
        timestamp,
        header: &header,
    };
    tc_runtime::sign::verify(&auth, &vr, key).expect("signature verifies");
}

#[tokio::test]
async fn a_failed_refresh_keeps_valid_credentials_then_fails_typed() {
    let m = metadata(2).await; // generation 1 works, every refresh after it answers 500
    let clock = ManualClock::at(0);
    let cached = Arc::new(CachedProvider::new(Arc::new(role_provider(&m))).with_clock(Arc::new(clock.clone())));
    let api = api().await;
    let client = client_for(&api, cached);
    call(&client).await.unwrap();
    clock.set(800); // inside the 300 s window: the refresh fails, generation 1 is still valid
    call(&client).await.unwrap();
    call(&client).await.unwrap();
    assert_eq!(m.credential_requests.load(Ordering::SeqCst), 2, "a failing source is asked once per retry interval");
    assert!(api.requests().iter().all(|r| signed_with(r).0 == "AKIDgen1"));

    clock.set(1000); // expired, and the refresh fails
    let err = call(&client).await.unwrap_err();
    let Error::Credentials(CredentialsError::Expired { expired_at_unix: 1000, error }) = &err else {
        panic!("{err:?}")
    };
    let CredentialsError::Metadata { source: CredentialsSource::InstanceRole { role, .. }, message } = &**error else {
        panic!("{error:?}")
    };
    assert_eq!(role.as_deref(), Some("test-role"));
    assert!(message.contains("HTTP 500"), "{message}");
    let shown = err.to_string();
    assert!(shown.contains("CVM instance role \"test-role\"") && shown.contains("expired"), "{shown}");
    assert_no_secret(&format!("{err} {err:?}"));
    assert_eq!(api.request_count(), 3, "no unsigned or stale request was sent");
}

/// An STS double: checks the action, version, region and (for `AssumeRole`) the signature
/// with the source key, or (for `AssumeRoleWithWebIdentity`) `Authorization: SKIP` and no
/// token; answers generation `n` expiring at `now + 7200`, or the scripted error.
struct Sts {
    server: Server,
    bodies: Arc<Mutex<Vec<Value>>>,
}

async fn sts(error: Option<&'static str>) -> Sts {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let b = bodies.clone();
    let server = Server::start(move |req: &Request, i| {
        let action = req.header("x-tc-action").unwrap_or_default().to_owned();
        assert_eq!(req.header("x-tc-version"), Some("2018-08-13"));
        assert_eq!(req.header("x-tc-region"), Some("ap-guangzhou"));
        match action.as_str() {
            "AssumeRole" => {
                let (id, token) = signed_with(req);
                assert_eq!((id.as_str(), token), ("AKIDsource", None));
                assert!(req.header("authorization").unwrap().contains("/sts/tc3_request"));
                verify(req, SOURCE_KEY);
            }
            "AssumeRoleWithWebIdentity" => {
                assert_eq!(req.header("authorization"), Some("SKIP"));
                assert_eq!(req.header("x-tc-token"), None);
            }
            other => panic!("unexpected action {other}"),
        }
        b.lock().unwrap().push(serde_json::from_slice::<Value>(&req.body).unwrap());
        if let Some(code) = error {
            return Reply::api_error(code, "You are not authorized to assume this role.", "req-sts");
        }
        let n = i as u64 + 1;
        let expires = tc_runtime::time::now_unix() + 7200;
        Reply::json(format!(
            r#"{{"Response":{{"Credentials":{{"Token":"{}","TmpSecretId":"AKIDsts{n}","TmpSecretKey":"{}"}},"ExpiredTime":{expires},"Expiration":"2030-01-01T00:00:00Z","RequestId":"req-{n}"}}}}"#,
            tmp_token(n),
            tmp_key(n)
        ))
    })
    .await;
    Sts { server, bodies }
}

fn source() -> Arc<dyn ProvideCredentials> {
    Arc::new(Credentials::new("AKIDsource", SOURCE_KEY))
}

#[tokio::test]
async fn assume_role_is_a_signed_sts_call() {
    let s = sts(None).await;
    let provider = AssumeRoleProvider::builder(source(), "qcs::cam::uin/100:roleName/reader", "my-app")
        .duration_seconds(900)
        .endpoint(Endpoint::custom(&s.server.url()).unwrap())
        .build()
        .unwrap();
    let creds = provider.provide_credentials().await.unwrap();
    assert_eq!((creds.secret_id(), creds.secret_key().expose_secret()), ("AKIDsts1", tmp_key(1).as_str()));
    assert_eq!(creds.token().unwrap().expose_secret(), tmp_token(1));
    let left = creds.expires_at().unwrap().duration_since(SystemTime::now()).unwrap();
    assert!(left > Duration::from_secs(7000), "{left:?}");
    let body = s.bodies.lock().unwrap()[0].clone();
    assert_eq!(
        body,
        serde_json::json!({"RoleArn": "qcs::cam::uin/100:roleName/reader", "RoleSessionName": "my-app", "DurationSeconds": 900})
    );
    assert_no_secret(&format!("{provider:?} {creds:?}"));

    // Through a client: calls are signed with the role's credentials.
    let api = api().await;
    let client = client_for(&api, Arc::new(CachedProvider::new(Arc::new(provider))));
    call(&client).await.unwrap();
    assert_eq!(signed_with(&api.requests()[0]), ("AKIDsts2".to_owned(), Some(tmp_token(2))));
}

#[tokio::test]
async fn sts_errors_name_the_role_and_the_code() {
    let s = sts(Some("AuthFailure.UnauthorizedOperation")).await;
    let provider = AssumeRoleProvider::builder(source(), "qcs::cam::uin/100:roleName/reader", "my-app")
        .endpoint(Endpoint::custom(&s.server.url()).unwrap())
        .build()
        .unwrap();
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(matches!(&err, CredentialsError::Sts { source: CredentialsSource::AssumeRole { .. }, .. }), "{err:?}");
    let shown = err.to_string();
    assert!(shown.contains("qcs::cam::uin/100:roleName/reader") && shown.contains("AuthFailure.UnauthorizedOperation"), "{shown}");
    assert_no_secret(&format!("{err} {err:?}"));

    // A reply that holds keys but is not a valid envelope: the error does not quote it.
    let bad = Server::start(|_, _| {
        Reply::json(format!(r#"{{"Response":{{"Credentials":{{"TmpSecretKey":"{}","Token":"{}""#, tmp_key(3), tmp_token(3)))
    })
    .await;
    let provider = AssumeRoleProvider::builder(source(), "qcs::r", "s")
        .endpoint(Endpoint::custom(&bad.url()).unwrap())
        .build()
        .unwrap();
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("not an API 3.0 envelope"), "{err}");
    assert_no_secret(&format!("{err} {err:?}"));
    // A complete reply without `Token`: the missing field is named, nothing is quoted.
    let partial = Server::start(|_, _| {
        Reply::ok(&format!(r#""Credentials":{{"TmpSecretId":"AKIDx","TmpSecretKey":"{}"}},"ExpiredTime":5"#, tmp_key(4)), "r")
    })
    .await;
    let provider = AssumeRoleProvider::builder(source(), "qcs::r", "s")
        .endpoint(Endpoint::custom(&partial.url()).unwrap())
        .build()
        .unwrap();
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("Credentials.Token"), "{err}");
    assert_no_secret(&format!("{err} {err:?}"));
}

fn token_file(name: &str, token: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tc-runtime-oidc-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("token");
    std::fs::write(&path, token).unwrap();
    path
}

#[tokio::test]
async fn web_identity_is_unsigned_and_rereads_the_token_file() {
    let s = sts(None).await;
    let file = token_file("reread", WEB_TOKEN);
    let provider = WebIdentityProvider::builder("ap-guangzhou", "OIDC", &file, "qcs::cam::uin/100:roleName/pod")
        .endpoint(Endpoint::custom(&s.server.url()).unwrap())
        .build()
        .unwrap();
    let creds = provider.provide_credentials().await.unwrap();
    assert_eq!(creds.secret_id(), "AKIDsts1");
    std::fs::write(&file, "rotated-token\n").unwrap();
    provider.provide_credentials().await.unwrap();
    let bodies = s.bodies.lock().unwrap().clone();
    assert_eq!(bodies[0]["WebIdentityToken"], WEB_TOKEN);
    assert_eq!(bodies[1]["WebIdentityToken"], "rotated-token");
    for b in &bodies {
        assert_eq!((&b["ProviderId"], &b["RoleArn"], &b["DurationSeconds"]), (&"OIDC".into(), &"qcs::cam::uin/100:roleName/pod".into(), &7200.into()));
        assert!(b["RoleSessionName"].as_str().unwrap().starts_with("tencentcloud-rust-sdk-"), "{b}");
    }
    assert_no_secret(&format!("{provider:?} {creds:?}"));

    std::fs::remove_file(&file).unwrap();
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(matches!(err, CredentialsError::TokenFile { .. }), "{err:?}");
    assert_eq!(s.server.request_count(), 2, "no request without a token");
}

#[tokio::test]
async fn the_chain_with_nothing_configured_lists_every_source() {
    let home = std::env::temp_dir().join("tc-runtime-no-such-home");
    let chain = DefaultChain::with_env(env(&[("HOME", home.to_str().unwrap()), (ENV_METADATA_ENDPOINT, &closed_port().await)]));
    let err = chain.provide_credentials().await.unwrap_err();
    let CredentialsError::NotFound(tried) = &err else { panic!("{err:?}") };
    assert!(
        matches!(
            tried.as_slice(),
            [
                CredentialsError::EnvNotSet,
                CredentialsError::FileNotFound { .. },
                CredentialsError::MetadataUnavailable { .. },
                CredentialsError::WebIdentityNotSet,
            ]
        ),
        "{tried:?}"
    );
    assert!(tried.iter().all(CredentialsError::is_absent));
    let shown = err.to_string();
    for needle in ["TENCENTCLOUD_SECRET_ID", "tc-runtime-no-such-home", "CVM instance role", "could not connect", "TKE_ROLE_ARN"] {
        assert!(shown.contains(needle), "{needle} missing from: {shown}");
    }

    // Through a client: the build succeeds (nothing local is broken), the call fails with it.
    let api = api().await;
    let client = client_for(&api, Arc::new(CachedProvider::new(Arc::new(chain))));
    let err = call(&client).await.unwrap_err();
    assert!(matches!(err, Error::Credentials(CredentialsError::NotFound(_))), "{err:?}");
    assert_eq!(api.request_count(), 0);
}

#[tokio::test]
async fn the_chain_goes_env_profile_cvm_then_oidc() {
    let m = metadata(u64::MAX).await;
    let meta = m.server.url();
    let home = "/nonexistent-home-for-tc-runtime-tests";
    // The environment wins: the metadata service is not asked.
    let chain = DefaultChain::with_env(env(&[
        ("TENCENTCLOUD_SECRET_ID", "AKIDenv"),
        ("TENCENTCLOUD_SECRET_KEY", SOURCE_KEY),
        ("HOME", home),
        (ENV_METADATA_ENDPOINT, &meta),
    ]));
    assert_eq!(chain.provide_credentials().await.unwrap().secret_id(), "AKIDenv");
    assert_eq!(m.server.request_count(), 0);
    // Nothing local: the instance role.
    let chain = DefaultChain::with_env(env(&[("HOME", home), (ENV_METADATA_ENDPOINT, &meta)]));
    assert_eq!(chain.provide_credentials().await.unwrap().secret_id(), "AKIDgen1");
    assert_eq!(m.server.request_count(), 2);

    // No role bound (404): TKE OIDC.
    let no_role = Server::start(|_, _| Reply::status(404, "text/plain", "")).await;
    let s = sts(None).await;
    let file = token_file("chain", WEB_TOKEN);
    let chain = DefaultChain::with_env(env(&[
        ("HOME", home),
        ("TKE_REGION", "ap-guangzhou"),
        ("TKE_PROVIDER_ID", "OIDC"),
        ("TKE_WEB_IDENTITY_TOKEN_FILE", file.to_str().unwrap()),
        ("TKE_ROLE_ARN", "qcs::cam::uin/100:roleName/pod"),
    ]))
    .metadata_endpoint(Endpoint::custom(&no_role.url()).unwrap())
    .sts_endpoint(Endpoint::custom(&s.server.url()).unwrap());
    let creds = chain.provide_credentials().await.unwrap();
    assert_eq!(creds.secret_id(), "AKIDsts1");
    assert_eq!(no_role.request_count(), 1);
    assert_no_secret(&format!("{chain:?}"));

    // OIDC configured but its STS call fails: every reason is listed, none quotes a secret.
    let denied = sts(Some("AuthFailure.InvalidToken")).await;
    let chain = DefaultChain::with_env(env(&[
        ("HOME", home),
        ("TKE_REGION", "ap-guangzhou"),
        ("TKE_PROVIDER_ID", "OIDC"),
        ("TKE_WEB_IDENTITY_TOKEN_FILE", file.to_str().unwrap()),
        ("TKE_ROLE_ARN", "qcs::r"),
    ]))
    .metadata_endpoint(Endpoint::custom(&no_role.url()).unwrap())
    .sts_endpoint(Endpoint::custom(&denied.server.url()).unwrap());
    let err = chain.provide_credentials().await.unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("no role is bound") && shown.contains("AuthFailure.InvalidToken"), "{shown}");
    assert_no_secret(&format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_client_without_credentials_uses_the_chain() {
    // Explicit credentials win: nothing else is consulted.
    let api = api().await;
    let client = Client::builder()
        .endpoint(Endpoint::custom(&api.url()).unwrap())
        .credentials(Credentials::new("AKIDexplicit", SOURCE_KEY))
        .metadata_endpoint(Endpoint::custom(&closed_port().await).unwrap())
        .build()
        .unwrap();
    call(&client).await.unwrap();
    assert_eq!(signed_with(&api.requests()[0]).0, "AKIDexplicit");
    assert_no_secret(&format!("{client:?}"));
}
