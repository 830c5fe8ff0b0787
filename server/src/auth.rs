//! Who signed a request, and how: TC3-HMAC-SHA256 (an `Authorization` header, verified with
//! `tc_runtime::sign`, with or without `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`) or signature
//! v1 (`Signature`, `SignatureMethod`, `SecretId`, `Nonce` among the parameters of a GET query
//! or a form-encoded POST body, see `sign_v1.rs`). Both answer the live API's codes.
//!
//! The two schemes also differ in where the other common parameters travel: TC3 sends them
//! as `X-TC-*` headers (a GET may carry them in its query), v1 among the signed parameters.

use tc_runtime::sign::{self, ParsedAuthorization, VerifyError, VerifyRequest};

use crate::api_error::{ApiErr, api_err};
use crate::request::Request;
use crate::sign_v1::{self, Method};
use crate::state::Credential;

/// `X-TC-Content-SHA256` value that leaves the body out of a TC3 signature.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The parameters of signature v1 that are not business parameters (besides the common
/// parameters of the spec).
pub(crate) const V1_PARAMETERS: &[&str] = &[
    "Action",
    "Version",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "SignatureMethod",
    "Signature",
    "Token",
    "Language",
    "RequestClient",
];

/// A request's signature, parsed.
pub(crate) enum Auth {
    Tc3(ParsedAuthorization),
    V1(V1),
    /// `Authorization: SKIP`: no signature at all, which only the actions the spec marks
    /// `unsigned` accept (STS `AssumeRoleWithWebIdentity`, `AssumeRoleWithSAML`).
    Unsigned,
}

/// The signature v1 parameters.
pub(crate) struct V1 {
    method: Method,
    signature: Vec<u8>,
    secret_id: String,
}

fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

impl Auth {
    /// The scheme of `req` and its well-formedness. `pairs` are the decoded parameters of a
    /// GET query or a form POST body (empty for a JSON body).
    pub(crate) fn parse(req: &Request, pairs: &[(String, String)]) -> Result<Auth, ApiErr> {
        if let Some(header) = req.header("authorization") {
            if header == "SKIP" {
                return Ok(Auth::Unsigned);
            }
            let auth = sign::parse_authorization(header).map_err(|e| {
                api_err(
                    "AuthFailure.InvalidAuthorization",
                    format!("The `Authorization` header is invalid: {e}."),
                )
            })?;
            return Ok(Auth::Tc3(auth));
        }
        let Some(signature) = single(pairs, sign_v1::SIGNATURE) else {
            return Err(api_err(
                "AuthFailure.InvalidAuthorization",
                "The request has neither an `Authorization` header nor a `Signature` parameter.",
            ));
        };
        // A signed set of parameters names each once (else which one was meant?).
        let mut keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(api_err(
                "InvalidParameter",
                format!(
                    "The parameter `{}` is given more than once.",
                    crate::log::clip(w[0], 64)
                ),
            ));
        }
        let method_text = single(pairs, "SignatureMethod");
        let method = Method::from_param(method_text).ok_or_else(|| {
            api_err(
                "AuthFailure.InvalidAuthorization",
                format!(
                    "The `SignatureMethod` `{}` is not HmacSHA1 or HmacSHA256.",
                    crate::log::clip(method_text.unwrap_or(""), 64)
                ),
            )
        })?;
        let signature = sign_v1::base64_decode(signature)
            .filter(|s| s.len() == method.len())
            .ok_or_else(|| {
                api_err(
                    "AuthFailure.InvalidAuthorization",
                    format!(
                        "The `Signature` is not the base64 of a {}-byte {} digest.",
                        method.len(),
                        method_name(method)
                    ),
                )
            })?;
        let secret_id = single(pairs, "SecretId")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                api_err(
                    "MissingParameter",
                    "The request is missing a required parameter `SecretId`.",
                )
            })?;
        let nonce = single(pairs, "Nonce").ok_or_else(|| {
            api_err(
                "MissingParameter",
                "The request is missing a required parameter `Nonce`.",
            )
        })?;
        if !nonce.bytes().all(|b| b.is_ascii_digit())
            || nonce.parse::<u64>().map_or(true, |n| n == 0)
        {
            return Err(api_err(
                "InvalidParameter",
                format!(
                    "The parameter `Nonce` is invalid: `{}` is not a positive integer.",
                    crate::log::clip(nonce, 64)
                ),
            ));
        }
        Ok(Auth::V1(V1 {
            method,
            signature,
            secret_id: secret_id.to_owned(),
        }))
    }

    pub(crate) fn secret_id(&self) -> &str {
        match self {
            Auth::Tc3(a) => &a.secret_id,
            Auth::V1(v) => &v.secret_id,
            Auth::Unsigned => "",
        }
    }

    /// The service of a TC3 credential scope (v1 has none).
    pub(crate) fn scope_service(&self) -> Option<&str> {
        match self {
            Auth::Tc3(a) => Some(&a.service),
            Auth::V1(_) | Auth::Unsigned => None,
        }
    }

    /// A common parameter: for TC3 its header, or else the GET query's `name`; for v1 the
    /// signed parameter `name` only.
    pub(crate) fn common<'a>(
        &self,
        req: &'a Request,
        pairs: &'a [(String, String)],
        header: &str,
        name: &str,
    ) -> Option<&'a str> {
        match self {
            Auth::Tc3(_) | Auth::Unsigned => req.header(header).or_else(|| match req.method.as_str() {
                "GET" => single(pairs, name),
                _ => None,
            }),
            Auth::V1(_) => single(pairs, name),
        }
    }

    /// The token, then the signature, against `cred` (whose SecretId is the request's).
    pub(crate) fn verify(
        &self,
        req: &Request,
        pairs: &[(String, String)],
        service: &str,
        timestamp: i64,
        cred: &Credential,
    ) -> Result<(), ApiErr> {
        if let Some(token) = &cred.token {
            let sent = self.common(req, pairs, "x-tc-token", "Token");
            if sent.is_none_or(|t| !sign::constant_time_eq(t.as_bytes(), token.as_bytes())) {
                let (header, param) = match self {
                    Auth::Tc3(_) | Auth::Unsigned => ("header", "X-TC-Token"),
                    Auth::V1(_) => ("parameter", "Token"),
                };
                return Err(api_err(
                    "AuthFailure.TokenFailure",
                    format!("The {header} `{param}` is missing or does not match the SecretId."),
                ));
            }
        }
        match self {
            Auth::Tc3(auth) => verify_tc3(auth, req, service, timestamp, &cred.secret_key),
            Auth::Unsigned => Err(api_err(
                "AuthFailure.InvalidAuthorization",
                "The `Authorization` header is `SKIP`, but this action must be signed.",
            )),
            Auth::V1(v1) => {
                let host = req.header("host").unwrap_or("");
                let string = sign_v1::string_to_sign(&req.method, host, &req.path, pairs);
                let mac = v1.method.mac(cred.secret_key.as_bytes(), string.as_bytes());
                if sign::constant_time_eq(&mac, &v1.signature) {
                    Ok(())
                } else {
                    Err(signature_failure("the signature does not match"))
                }
            }
        }
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::HmacSha1 => "HmacSHA1",
        Method::HmacSha256 => "HmacSHA256",
    }
}

fn signature_failure(why: &str) -> ApiErr {
    api_err(
        "AuthFailure.SignatureFailure",
        format!(
            "The provided credentials could not be validated ({why}). Please check your signature is correct."
        ),
    )
}

fn verify_tc3(
    auth: &ParsedAuthorization,
    req: &Request,
    service: &str,
    timestamp: i64,
    secret_key: &str,
) -> Result<(), ApiErr> {
    if auth.service != service {
        return Err(api_err(
            "AuthFailure.SignatureFailure",
            format!(
                "The credential scope names service `{}`, but the request is for `{service}`.",
                crate::log::clip(&auth.service, 64)
            ),
        ));
    }
    // With UNSIGNED-PAYLOAD the canonical request hashes that literal text, not the body
    // (the official SDKs' `unsignedPayload` option).
    let payload = if req.header("x-tc-content-sha256") == Some(UNSIGNED_PAYLOAD) {
        UNSIGNED_PAYLOAD.as_bytes()
    } else {
        &req.body
    };
    let lookup = |name: &str| req.header(name).map(str::to_owned);
    let verify_req = VerifyRequest {
        method: &req.method,
        canonical_query: &req.query,
        payload,
        timestamp,
        header: &lookup,
    };
    sign::verify(auth, &verify_req, secret_key).map_err(|e| {
        let why = match e {
            VerifyError::SignatureMismatch => "the signature does not match".to_owned(),
            other => other.to_string(),
        };
        signature_failure(&why)
    })
}
