//! Every signing option of the official SDKs, on raw sockets: TC3-HMAC-SHA256 with
//! `X-TC-Content-SHA256: UNSIGNED-PAYLOAD` (POST and GET), and signature v1 with HmacSHA1
//! and HmacSHA256 (GET query and POST form body). The v1 signatures are computed here, with
//! RustCrypto's HMAC and the `base64` crate, independently of the server's code; each
//! failure answers the live API's code.

mod support;

use base64::Engine;
use hmac::{Hmac, Mac};
use support::Raw;
use tc_mock::{Credential, MockServer};

const TASKS: &str = "DescribeImageAutoAuthorizedTaskList";

/// A signature v1 request: every parameter as (key, raw value), signed when sent.
#[derive(Clone, Debug)]
struct V1 {
    http_method: &'static str,
    /// `None`: the server's `127.0.0.1:PORT`.
    host: Option<String>,
    params: Vec<(String, String)>,
    secret_key: String,
    /// Replaces the computed signature.
    signature: Option<String>,
    /// Sign for this host instead of the one sent.
    signed_host: Option<String>,
    /// Send an `Authorization` header too.
    authorization: Option<String>,
    /// Send no `Signature` parameter.
    omit_signature: bool,
}

impl V1 {
    /// A correct request of `action` with these business parameters, as the Python SDK builds it.
    fn new(
        http_method: &'static str,
        action: &str,
        version: &str,
        business: &[(&str, &str)],
    ) -> V1 {
        let mut params: Vec<(String, String)> = business
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        for (k, v) in [
            ("Action", action.to_owned()),
            ("Version", version.to_owned()),
            ("Timestamp", tc_runtime::time::now_unix().to_string()),
            ("Nonce", "8305712043461".to_owned()),
            ("SecretId", tc_mock::DEFAULT_SECRET_ID.to_owned()),
            ("SignatureMethod", "HmacSHA256".to_owned()),
            ("Region", "ap-guangzhou".to_owned()),
            ("RequestClient", "SDK_PYTHON_3.1.193".to_owned()),
            ("Language", "en-US".to_owned()),
        ] {
            params.push((k.to_owned(), v));
        }
        V1 {
            http_method,
            host: None,
            params,
            secret_key: tc_mock::DEFAULT_SECRET_KEY.into(),
            signature: None,
            signed_host: None,
            authorization: None,
            omit_signature: false,
        }
    }

    fn set(mut self, key: &str, value: &str) -> V1 {
        self.params.retain(|(k, _)| k != key);
        self.params.push((key.into(), value.into()));
        self
    }

    fn remove(mut self, key: &str) -> V1 {
        self.params.retain(|(k, _)| k != key);
        self
    }

    fn with(mut self, f: impl FnOnce(&mut V1)) -> V1 {
        f(&mut self);
        self
    }

    /// `<METHOD><host>/?k=v&...` sorted by key, raw values, without `Signature`.
    fn string_to_sign(&self, host: &str) -> String {
        let mut sorted: Vec<&(String, String)> = self
            .params
            .iter()
            .filter(|(k, _)| k != "Signature")
            .collect();
        sorted.sort();
        let joined: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{}{host}/?{}", self.http_method, joined.join("&"))
    }

    fn signature(&self, host: &str) -> String {
        let method = self
            .params
            .iter()
            .find(|(k, _)| k == "SignatureMethod")
            .map_or("HmacSHA1", |(_, v)| v.as_str());
        let msg = self.string_to_sign(host);
        let mac = match method {
            "HmacSHA256" => {
                let mut m =
                    Hmac::<sha2::Sha256>::new_from_slice(self.secret_key.as_bytes()).unwrap();
                m.update(msg.as_bytes());
                m.finalize().into_bytes().to_vec()
            }
            _ => {
                let mut m = Hmac::<sha1::Sha1>::new_from_slice(self.secret_key.as_bytes()).unwrap();
                m.update(msg.as_bytes());
                m.finalize().into_bytes().to_vec()
            }
        };
        base64::engine::general_purpose::STANDARD.encode(mac)
    }

    /// Form encoding as Python's `urlencode` does it (`quote_plus`: space as `+`).
    fn encode(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(char::from(b))
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }

    fn to_bytes(&self, server: &MockServer) -> Vec<u8> {
        let host = self
            .host
            .clone()
            .unwrap_or_else(|| server.addr().to_string());
        let mut params = self.params.clone();
        let signature = self
            .signature
            .clone()
            .unwrap_or_else(|| self.signature(self.signed_host.as_ref().unwrap_or(&host)));
        if !self.omit_signature {
            params.push(("Signature".into(), signature));
        }
        let form: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", Self::encode(k), Self::encode(v)))
            .collect();
        let form = form.join("&");
        let (target, body) = match self.http_method {
            "GET" => (format!("/?{form}"), String::new()),
            _ => ("/".to_owned(), form),
        };
        let mut head = format!(
            "{} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n",
            self.http_method
        );
        if let Some(a) = &self.authorization {
            head.push_str(&format!("Authorization: {a}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        head.into_bytes()
    }

    async fn send(&self, server: &MockServer) -> support::Reply {
        support::send_bytes(server, &self.to_bytes(server)).await
    }
}

fn tasks_params() -> Vec<(&'static str, &'static str)> {
    vec![
        ("StartTime", "2022-01-01"),
        ("EndTime", "2022-01-07"),
        ("Filters.0.Name", "Source"),
        ("Filters.0.Values.0", "LOCAL"),
        ("Filters.0.Values.1", "REGISTRY"),
        ("Limit", "5"),
    ]
}

#[tokio::test]
async fn tc3_with_an_unsigned_payload_on_post_and_get() {
    let server = MockServer::start().await.unwrap();
    let body = r#"{"StartTime":"2022-01-01","EndTime":"2022-01-07","Limit":5}"#;
    Raw::post(TASKS, body)
        .unsigned_payload(&server)
        .send(&server)
        .await
        .assert_success();
    let query = "StartTime=2022-01-01&EndTime=2022-01-07&Limit=5";
    Raw::get(TASKS, query)
        .unsigned_payload(&server)
        .send(&server)
        .await
        .assert_success();
    // The body is not covered: another body under the same signature is accepted.
    let signed = Raw::post(TASKS, body).unsigned_payload(&server);
    let other = signed
        .clone()
        .with(|r| r.body = br#"{"StartTime":"2022-01-02","EndTime":"2022-01-07"}"#.to_vec());
    other.send(&server).await.assert_success();
    // The header without the signature that goes with it: the body's hash was signed.
    Raw::post(TASKS, body)
        .with(|r| {
            r.extra_headers
                .push(("X-TC-Content-SHA256".into(), "UNSIGNED-PAYLOAD".into()))
        })
        .send(&server)
        .await
        .assert_error("AuthFailure.SignatureFailure");
    // An unsigned-payload signature without the header.
    let mut no_header = signed.clone();
    no_header.extra_headers.clear();
    no_header
        .send(&server)
        .await
        .assert_error("AuthFailure.SignatureFailure");
    // Still checked: the key and the parameters.
    Raw::post(TASKS, body)
        .with(|r| r.secret_key = "wrong".into())
        .unsigned_payload(&server)
        .send(&server)
        .await
        .assert_error("AuthFailure.SignatureFailure");
    Raw::post(TASKS, r#"{"StartTime":"2022-01-01"}"#)
        .unsigned_payload(&server)
        .send(&server)
        .await
        .assert_error("MissingParameter");
}

#[tokio::test]
async fn signature_v1_with_both_hashes_on_get_and_post() {
    let server = MockServer::start().await.unwrap();
    for http_method in ["GET", "POST"] {
        for sign_method in [Some("HmacSHA1"), Some("HmacSHA256"), None] {
            let mut req = V1::new(http_method, TASKS, "2020-11-01", &tasks_params());
            req = match sign_method {
                Some(m) => req.set("SignatureMethod", m),
                None => req.remove("SignatureMethod"), // HmacSHA1 is the documented default
            };
            let what = format!("{http_method} {sign_method:?}");
            let r = req.send(&server).await;
            let v = r.assert_success();
            assert_eq!(v["TotalCount"], 1, "{what}");
            let logged = server.requests().pop().unwrap();
            assert_eq!(logged.action.as_deref(), Some(TASKS), "{what}");
            assert_eq!(
                logged.secret_id.as_deref(),
                Some(tc_mock::DEFAULT_SECRET_ID),
                "{what}"
            );
            let params = logged.params.unwrap();
            // Typed like any GET, without the signing parameters.
            assert_eq!(params["Limit"], 5, "{what}");
            assert_eq!(params["Filters"][0]["Values"][1], "REGISTRY", "{what}");
            assert!(
                params.get("Nonce").is_none() && params.get("Signature").is_none(),
                "{what}: {params}"
            );
        }
    }
    // A cwp action on a loopback host: the action names its service (no credential scope in v1).
    V1::new("GET", "DescribeLicenseGeneral", "2018-02-28", &[])
        .send(&server)
        .await
        .assert_success();
    // A documented host names it too, and is what is signed.
    V1::new("POST", "DescribeProVersionInfo", "2020-11-01", &[])
        .with(|r| r.host = Some("tcss.tencentcloudapi.com".into()))
        .send(&server)
        .await
        .assert_success();
    // Values with spaces and reserved characters are signed raw, sent form-encoded.
    V1::new(
        "GET",
        TASKS,
        "2020-11-01",
        &[("StartTime", "2022-01-01"), ("EndTime", "2022-01-07")],
    )
    .set("RequestClient", "SDK_PYTHON_3.1.193; my app/1.0 &co=+")
    .send(&server)
    .await
    .assert_success();
}

#[tokio::test]
async fn signature_v1_with_temporary_credentials_needs_its_token() {
    let server = MockServer::builder()
        .credentials_entry(Credential::new("AKIDtmp", "tmp-key").with_token("tok-123"))
        .start()
        .await
        .unwrap();
    let req = V1::new("GET", "DescribeProVersionInfo", "2020-11-01", &[])
        .set("SecretId", "AKIDtmp")
        .with(|r| r.secret_key = "tmp-key".into());
    req.clone()
        .send(&server)
        .await
        .assert_error("AuthFailure.TokenFailure");
    req.clone()
        .set("Token", "other")
        .send(&server)
        .await
        .assert_error("AuthFailure.TokenFailure");
    req.clone()
        .set("Token", "tok-123")
        .send(&server)
        .await
        .assert_success();
    // Secret material never reaches the log: not the signature, the token or the key.
    let logged = format!("{:?}", server.requests());
    let signature = req
        .clone()
        .set("Token", "tok-123")
        .signature(&server.addr().to_string());
    for secret in [signature.as_str(), "tok-123", "tmp-key"] {
        assert!(!logged.contains(secret), "{secret} in {logged}");
    }
}

#[tokio::test]
async fn signature_v1_failures_answer_the_live_codes() {
    let server = MockServer::start().await.unwrap();
    let ok = V1::new("GET", TASKS, "2020-11-01", &tasks_params());
    ok.send(&server).await.assert_success();
    let stale = (tc_runtime::time::now_unix() - 3600).to_string();
    let future = (tc_runtime::time::now_unix() + 3600).to_string();
    let sha1_len = base64::engine::general_purpose::STANDARD.encode([0u8; 20]);
    let cases: Vec<(&str, V1, &str)> = vec![
        ("a wrong key", ok.clone().with(|r| r.secret_key = "wrong".into()), "AuthFailure.SignatureFailure"),
        ("an unknown SecretId", ok.clone().set("SecretId", "AKIDnobody"), "AuthFailure.SecretIdNotFound"),
        ("a stale timestamp", ok.clone().set("Timestamp", &stale), "AuthFailure.SignatureExpire"),
        ("a future timestamp", ok.clone().set("Timestamp", &future), "AuthFailure.SignatureExpire"),
        (
            "a signature for another host",
            ok.clone().with(|r| r.signed_host = Some("tcss.tencentcloudapi.com".into())),
            "AuthFailure.SignatureFailure",
        ),
        (
            "a parameter changed after signing",
            ok.clone().with(|r| r.signature = Some(ok.clone().set("Limit", "6").signature(&server.addr().to_string()))),
            "AuthFailure.SignatureFailure",
        ),
        (
            "the right MAC under the other hash's name",
            ok.clone().set("SignatureMethod", "HmacSHA1").with(|r| r.signature = Some(sha1_len.clone())),
            "AuthFailure.SignatureFailure",
        ),
        (
            "a signature of the wrong length",
            ok.clone().with(|r| r.signature = Some(sha1_len.clone())),
            "AuthFailure.InvalidAuthorization",
        ),
        (
            "a signature that is not base64",
            ok.clone().with(|r| r.signature = Some("not base64!".into())),
            "AuthFailure.InvalidAuthorization",
        ),
        (
            "an unknown SignatureMethod",
            ok.clone().set("SignatureMethod", "HmacMD5"),
            "AuthFailure.InvalidAuthorization",
        ),
        (
            "neither a Signature nor an Authorization",
            ok.clone().with(|r| r.omit_signature = true),
            "AuthFailure.InvalidAuthorization",
        ),
        ("no SecretId", ok.clone().remove("SecretId"), "MissingParameter"),
        ("no Nonce", ok.clone().remove("Nonce"), "MissingParameter"),
        ("a Nonce that is not a number", ok.clone().set("Nonce", "abc"), "InvalidParameter"),
        ("a negative Nonce", ok.clone().set("Nonce", "-5"), "InvalidParameter"),
        ("no Timestamp", ok.clone().remove("Timestamp"), "MissingParameter"),
        ("a Timestamp that is not a number", ok.clone().set("Timestamp", "soon"), "InvalidParameter"),
        ("no Version", ok.clone().remove("Version"), "MissingParameter"),
        ("another Version", ok.clone().set("Version", "2018-02-28"), "NoSuchVersion"),
        ("no Action", ok.clone().remove("Action"), "MissingParameter"),
        ("an unknown action", ok.clone().set("Action", "DescribeNothing"), "InvalidAction"),
        (
            "a parameter given twice",
            ok.clone().with(|r| r.params.push(("Nonce".into(), "1".into()))),
            "InvalidParameter",
        ),
        ("an unknown Language", ok.clone().set("Language", "fr-FR"), "InvalidParameterValue"),
        ("a business parameter out of bounds", ok.clone().set("Limit", "1000"), "InvalidParameterValue"),
        (
            "a form POST with a TC3 Authorization",
            V1::new("POST", TASKS, "2020-11-01", &tasks_params()).with(|r| {
                r.authorization = Some(
                    "TC3-HMAC-SHA256 Credential=AKID/2022-01-01/tcss/tc3_request, SignedHeaders=content-type;host, \
                     Signature=0000000000000000000000000000000000000000000000000000000000000000"
                        .into(),
                )
            }),
            "InvalidRequest",
        ),
    ];
    for (what, req, code) in cases {
        let r = req.send(&server).await;
        assert_eq!(
            r.error_code().as_deref(),
            Some(code),
            "{what}: {}",
            r.message()
        );
        r.assert_error(code);
    }
    // The same over POST form bodies.
    let post = V1::new("POST", TASKS, "2020-11-01", &tasks_params());
    post.clone().send(&server).await.assert_success();
    post.clone()
        .with(|r| r.secret_key = "wrong".into())
        .send(&server)
        .await
        .assert_error("AuthFailure.SignatureFailure");
    post.clone()
        .set("SecretId", "AKIDnobody")
        .send(&server)
        .await
        .assert_error("AuthFailure.SecretIdNotFound");
    post.clone()
        .set("Timestamp", &stale)
        .send(&server)
        .await
        .assert_error("AuthFailure.SignatureExpire");
}
