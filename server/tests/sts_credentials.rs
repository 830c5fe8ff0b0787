//! tc-mock as STS: the runtime's `AssumeRoleProvider` makes a signed `AssumeRole` call that
//! passes the server's checks (signature, version, parameters against the spec), and the
//! temporary credentials it answers then sign (with their token) a call the server accepts.

use std::sync::Arc;

use serde_json::{Value, json};
use tc_mock::{Credential, DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, MockServer};
use tc_runtime::credentials::{AssumeRoleProvider, CachedProvider, ProvideCredentials};
use tc_runtime::{ActionInfo, Client, Credentials, CredentialsError, Endpoint, RawCode, ServiceInfo};

static TCSS: ServiceInfo =
    ServiceInfo { name: "tcss", version: "2020-11-01", default_host: "tcss.tencentcloudapi.com", intl_host: None };
static PRO_VERSION: ActionInfo =
    ActionInfo { service: &TCSS, name: "DescribeProVersionInfo", rate_limit: None, idempotent: true, idempotency_token: None, unsigned: false };

const TMP_ID: &str = "AKIDtemporary000000000000000000000";
const TMP_KEY: &str = "temporary-secret-key-000000000000";
const TMP_TOKEN: &str = "temporary-token-0000000000000000";
const ROLE: &str = "qcs::cam::uin/100015158414:roleName/readOnlyRole";

fn assume_role(server: &MockServer) -> AssumeRoleProvider {
    let source: Arc<dyn ProvideCredentials> = Arc::new(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY));
    AssumeRoleProvider::builder(source, ROLE, "cts")
        .endpoint(Endpoint::custom(&server.endpoint()).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_documented_answer_parses() {
    let server = MockServer::start().await.unwrap();
    let creds = assume_role(&server).provide_credentials().await.unwrap();
    // spec/sts/actions/AssumeRole.yaml's example.
    assert_eq!(creds.secret_id(), "AKID***");
    assert_eq!(creds.expires_at().map(|t| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()), Some(1_543_914_376));
    let logged = server.requests_for("AssumeRole");
    assert_eq!(logged.len(), 1);
    assert!(format!("{:?}", logged[0]).contains("readOnlyRole"));
}

#[tokio::test]
async fn temporary_credentials_from_sts_sign_calls() {
    let server = MockServer::builder()
        .credential(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY)
        .credentials_entry(Credential::new(TMP_ID, TMP_KEY).with_token(TMP_TOKEN))
        .start()
        .await
        .unwrap();
    let expires = tc_runtime::time::now_unix() + 7200;
    server.respond_with(
        "AssumeRole",
        json!({
            "Credentials": {"TmpSecretId": TMP_ID, "TmpSecretKey": TMP_KEY, "Token": TMP_TOKEN},
            "ExpiredTime": expires,
            "Expiration": "2030-01-01T00:00:00Z",
        }),
    );
    let cached = Arc::new(CachedProvider::new(Arc::new(assume_role(&server))));
    let client = Client::builder()
        .endpoint(Endpoint::custom(&server.endpoint()).unwrap())
        .credentials_provider(cached.clone())
        .build()
        .unwrap();
    for _ in 0..3 {
        client.call::<_, Value, RawCode>(&PRO_VERSION, &json!({})).await.unwrap();
    }
    assert_eq!(server.requests_for("AssumeRole").len(), 1, "cached between calls");
    assert_eq!(server.requests_for("DescribeProVersionInfo").len(), 3);
    let shown = format!("{cached:?} {client:?}");
    assert!(!shown.contains(TMP_KEY) && !shown.contains(TMP_TOKEN), "{shown}");

    server.fail_with("AssumeRole", "AuthFailure.UnauthorizedOperation", "not allowed");
    let err = assume_role(&server).provide_credentials().await.unwrap_err();
    assert!(matches!(err, CredentialsError::Sts { .. }), "{err:?}");
    assert!(err.to_string().contains("AuthFailure.UnauthorizedOperation") && err.to_string().contains(ROLE), "{err}");
}

/// The actions the spec marks `unsigned` are served to `Authorization: SKIP`, through the
/// generated STS client on an unsigned runtime client, and to the runtime's own TKE OIDC
/// provider; every other action still has to be signed.
#[tokio::test]
async fn unsigned_actions_take_skip_and_only_they_do() {
    use tc_sdk::sts::{Sts, StsClient, models};
    let server = MockServer::start().await.unwrap();
    let endpoint = Endpoint::custom(&server.endpoint()).unwrap();
    let unsigned = Client::builder().endpoint(endpoint.clone()).unsigned().build().unwrap();
    let sts = StsClient::new(unsigned.clone());
    let request = models::AssumeRoleWithWebIdentityRequest::new("OIDC", "eyJ-web-identity-token", ROLE, "pod-session");
    let answer = sts.assume_role_with_web_identity(&request).await.unwrap();
    assert!(!answer.credentials.tmp_secret_id.is_empty());
    let logged = &server.requests_for("AssumeRoleWithWebIdentity")[0];
    assert_eq!(logged.header("authorization"), Some("SKIP"));
    assert_eq!(server.executions("AssumeRoleWithWebIdentity"), 1);

    // AssumeRole needs the caller's own keys: SKIP is refused before it executes.
    let err = sts.assume_role(&models::AssumeRoleRequest::new(ROLE, "cts")).await.unwrap_err();
    assert_eq!(err.code().map(|c| tc_runtime::ErrorCode::as_str(c).to_owned()).as_deref(), Some("AuthFailure.InvalidAuthorization"));
    assert_eq!(server.executions("AssumeRole"), 0);

    // The runtime's TKE OIDC provider, token file and all, against the same server.
    let dir = std::env::temp_dir().join(format!("tc-mock-oidc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, "eyJ-pod-token").unwrap();
    let provider = tc_runtime::credentials::WebIdentityProvider::builder("ap-guangzhou", "OIDC", &token_file, ROLE)
        .endpoint(endpoint)
        .build()
        .unwrap();
    let creds = provider.provide_credentials().await.unwrap();
    assert!(!creds.secret_id().is_empty());
    assert_eq!(server.executions("AssumeRoleWithWebIdentity"), 2);
    let _ = std::fs::remove_dir_all(&dir);

    // A client that holds keys still sends the unsigned actions unsigned (their descriptor
    // says so), and signs every other action.
    let signed = Client::builder()
        .endpoint(Endpoint::custom(&server.endpoint()).unwrap())
        .credentials(Credentials::new(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY))
        .build()
        .unwrap();
    let sts = StsClient::new(signed);
    sts.assume_role_with_web_identity(&request).await.unwrap();
    let logged = server.requests_for("AssumeRoleWithWebIdentity");
    assert_eq!(logged.last().unwrap().header("authorization"), Some("SKIP"));
    sts.assume_role(&models::AssumeRoleRequest::new(ROLE, "cts")).await.unwrap();
    let logged = server.requests_for("AssumeRole");
    assert!(logged.last().unwrap().header("authorization").unwrap().starts_with("TC3-HMAC-SHA256 "));
}
