//! Configuration from the environment: the names of the `TENCENTCLOUD_*` variables
//! [`ClientBuilder::from_env`](crate::ClientBuilder::from_env) reads (the table is in the
//! crate docs; the client's `env.rs` reads them).
//!
//! Names follow the official tools where they have one: `TENCENTCLOUD_SECRET_ID`,
//! `TENCENTCLOUD_SECRET_KEY` (the SDKs), `TENCENTCLOUD_SECURITY_TOKEN` (the Terraform
//! provider), `TENCENTCLOUD_REGION` (tccli); the timeouts are named after the SDKs' profile
//! settings (`reqTimeout`), the attempts after aws-sdk's `AWS_MAX_ATTEMPTS`.

/// `TENCENTCLOUD_REGION`: the region (`ap-guangzhou`), sent as `X-TC-Region`.
pub const ENV_REGION: &str = "TENCENTCLOUD_REGION";
/// `TENCENTCLOUD_ENDPOINT`: one endpoint for every service (`http://127.0.0.1:9000`).
pub const ENV_ENDPOINT: &str = "TENCENTCLOUD_ENDPOINT";
/// `TENCENTCLOUD_LANGUAGE`: `zh-CN` or `en-US`.
pub const ENV_LANGUAGE: &str = "TENCENTCLOUD_LANGUAGE";
/// `TENCENTCLOUD_METHOD`: `POST` or `GET`.
pub const ENV_METHOD: &str = "TENCENTCLOUD_METHOD";
/// `TENCENTCLOUD_CONNECT_TIMEOUT`: seconds.
pub const ENV_CONNECT_TIMEOUT: &str = "TENCENTCLOUD_CONNECT_TIMEOUT";
/// `TENCENTCLOUD_REQUEST_TIMEOUT`: seconds, per attempt.
pub const ENV_REQUEST_TIMEOUT: &str = "TENCENTCLOUD_REQUEST_TIMEOUT";
/// `TENCENTCLOUD_OPERATION_TIMEOUT`: seconds, per call (retries included).
pub const ENV_OPERATION_TIMEOUT: &str = "TENCENTCLOUD_OPERATION_TIMEOUT";
/// `TENCENTCLOUD_MAX_ATTEMPTS`: attempts per call, the first included.
pub const ENV_MAX_ATTEMPTS: &str = "TENCENTCLOUD_MAX_ATTEMPTS";
/// `TENCENTCLOUD_STRICT`: `true` to fail on replies missing required fields.
pub const ENV_STRICT: &str = "TENCENTCLOUD_STRICT";

/// `TENCENTCLOUD_REDIS_URL`: rate limits and retry budgets shared through this Redis server
/// (`redis://[:password@]host[:port][/db]`; needs the `redis` feature).
pub const ENV_REDIS_URL: &str = "TENCENTCLOUD_REDIS_URL";

/// Every variable [`ClientBuilder::env_with`](crate::ClientBuilder::env_with) reads, for documentation and tests.
pub const ENV_VARIABLES: [&str; 10] = [
    ENV_REGION,
    ENV_ENDPOINT,
    ENV_LANGUAGE,
    ENV_METHOD,
    ENV_CONNECT_TIMEOUT,
    ENV_REQUEST_TIMEOUT,
    ENV_OPERATION_TIMEOUT,
    ENV_MAX_ATTEMPTS,
    ENV_STRICT,
    ENV_REDIS_URL,
];
