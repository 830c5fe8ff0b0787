//! Reading the `TENCENTCLOUD_*` variables ([`crate::config::env`] names them) into a
//! [`ClientBuilder`]: an empty value counts as unset, an invalid one is a
//! [`ConfigError::InvalidEnv`] naming the variable, and the lookup is injectable
//! ([`ClientBuilder::env_with`]), so tests never touch the process environment.

use std::time::Duration;

use super::ClientBuilder;
use crate::config::env::*;
use crate::config::{ConfigError, Endpoint, Language, Method};
use crate::keys::process_env;

/// The longest timeout accepted from the environment (a day): a larger value is a typo.
const MAX_SECONDS: f64 = 86_400.0;

impl ClientBuilder {
    /// A builder with the defaults, then every `TENCENTCLOUD_*` setting of the process
    /// environment (see the crate docs). Credentials still come from the default chain at
    /// [`ClientBuilder::build`] unless set.
    pub fn from_env() -> Result<ClientBuilder, ConfigError> {
        ClientBuilder::default().env_with(&process_env)
    }

    /// Applies the settings found by `env` (a variable lookup) over this builder's.
    pub fn env_with(mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<ClientBuilder, ConfigError> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = get(ENV_REGION) {
            let region = v.trim();
            if !crate::config::is_valid_region(region) {
                return Err(invalid(ENV_REGION, &v, "lowercase letters, digits and `-` (such as ap-guangzhou)"));
            }
            self.settings.region = Some(region.to_owned());
        }
        if let Some(v) = get(ENV_ENDPOINT) {
            self.settings.endpoint = Endpoint::custom(v.trim()).map_err(|e| match e {
                ConfigError::InvalidEndpoint { reason, .. } => invalid(ENV_ENDPOINT, &v, reason),
                other => other,
            })?;
        }
        if let Some(v) = get(ENV_LANGUAGE) {
            self.settings.language = match v.trim() {
                l if l.eq_ignore_ascii_case("zh-CN") => Language::ZhCn,
                l if l.eq_ignore_ascii_case("en-US") => Language::EnUs,
                _ => return Err(invalid(ENV_LANGUAGE, &v, "zh-CN or en-US")),
            };
        }
        if let Some(v) = get(ENV_METHOD) {
            self.settings.method = match v.trim() {
                m if m.eq_ignore_ascii_case("POST") => Method::Post,
                m if m.eq_ignore_ascii_case("GET") => Method::Get,
                _ => return Err(invalid(ENV_METHOD, &v, "POST or GET")),
            };
        }
        if let Some(v) = get(ENV_CONNECT_TIMEOUT) {
            self.settings.connect_timeout = seconds(ENV_CONNECT_TIMEOUT, &v)?;
        }
        if let Some(v) = get(ENV_REQUEST_TIMEOUT) {
            self.settings.timeout = seconds(ENV_REQUEST_TIMEOUT, &v)?;
        }
        if let Some(v) = get(ENV_OPERATION_TIMEOUT) {
            self.settings.operation_timeout = seconds(ENV_OPERATION_TIMEOUT, &v)?;
        }
        if let Some(v) = get(ENV_MAX_ATTEMPTS) {
            let n = v.trim().parse::<u32>().ok().filter(|n| (1..=100).contains(n));
            let n = n.ok_or_else(|| invalid(ENV_MAX_ATTEMPTS, &v, "a whole number from 1 to 100"))?;
            self.settings.retry = self.settings.retry.with_max_attempts(n);
        }
        if let Some(v) = get(ENV_STRICT) {
            self.settings.strict = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => return Err(invalid(ENV_STRICT, &v, "true or false (also 1/0, yes/no, on/off)")),
            };
        }
        if let Some(v) = get(ENV_REDIS_URL) {
            self.shared_limits = Some(Ok(redis_limits(v.trim())?));
        }
        Ok(self)
    }
}

/// Shared limits at the Redis URL of `TENCENTCLOUD_REDIS_URL`; the error shows it redacted.
#[cfg(feature = "redis")]
fn redis_limits(url: &str) -> Result<crate::limiter::SharedLimits, ConfigError> {
    crate::limiter::SharedLimits::redis(url).map_err(|e| match e {
        ConfigError::InvalidRedisUrl { url, .. } => ConfigError::InvalidEnv {
            var: ENV_REDIS_URL,
            value: url,
            expected: "a Redis URL: redis://[:password@]host[:port][/db] or redis+unix:///path",
        },
        other => other,
    })
}

/// Without the `redis` feature the variable cannot be honoured: saying so beats a fleet
/// silently sending N times the documented rate.
#[cfg(not(feature = "redis"))]
fn redis_limits(url: &str) -> Result<crate::limiter::SharedLimits, ConfigError> {
    Err(ConfigError::InvalidEnv {
        var: ENV_REDIS_URL,
        value: crate::limiter::shared::redact_url(url),
        expected: "no value: tc-runtime was built without its `redis` feature (enable it to share limits through Redis)",
    })
}

fn invalid(var: &'static str, value: &str, expected: &'static str) -> ConfigError {
    // Keep the start of what was given: enough to see the typo, never a whole file pasted in.
    let mut shown: String = value.chars().take(64).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    ConfigError::InvalidEnv { var, value: shown, expected }
}

/// A positive number of seconds (`60`, `2.5`), at most a day.
fn seconds(var: &'static str, value: &str) -> Result<Duration, ConfigError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= MAX_SECONDS)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| invalid(var, value, "a number of seconds greater than 0 and at most 86400 (such as 60 or 2.5)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn reads_every_variable() {
        let b = ClientBuilder::default()
            .env_with(&env(&[
                (ENV_REGION, "ap-guangzhou"),
                (ENV_ENDPOINT, "http://127.0.0.1:9000"),
                (ENV_LANGUAGE, "en-US"),
                (ENV_METHOD, "get"),
                (ENV_CONNECT_TIMEOUT, "2.5"),
                (ENV_REQUEST_TIMEOUT, "30"),
                (ENV_OPERATION_TIMEOUT, "90"),
                (ENV_MAX_ATTEMPTS, "5"),
                (ENV_STRICT, "true"),
            ]))
            .unwrap();
        assert_eq!(b.settings.region.as_deref(), Some("ap-guangzhou"));
        assert_eq!(b.settings.endpoint, Endpoint::custom("http://127.0.0.1:9000").unwrap());
        assert_eq!((b.settings.language, b.settings.method), (Language::EnUs, Method::Get));
        assert_eq!(b.settings.connect_timeout, Duration::from_millis(2500));
        assert_eq!((b.settings.timeout, b.settings.operation_timeout), (Duration::from_secs(30), Duration::from_secs(90)));
        assert_eq!(b.settings.retry.max_attempts(), 5);
        assert!(b.settings.strict);
        assert!(b.shared_limits.is_none());
    }

    #[test]
    fn redis_url_is_read_and_never_shown_with_its_password() {
        let url = "redis://:env-s3cret@127.0.0.1:6399/1";
        let result = ClientBuilder::default().env_with(&env(&[(ENV_REDIS_URL, url)]));
        let shown = match &result {
            Ok(b) => format!("{b:?}"),
            Err(e) => format!("{e} {e:?}"),
        };
        assert!(!shown.contains("env-s3cret") && shown.contains("redis://***@127.0.0.1:6399/1"), "{shown}");
        #[cfg(feature = "redis")]
        assert!(matches!(result.unwrap().shared_limits, Some(Ok(_))));
        #[cfg(not(feature = "redis"))]
        assert!(matches!(result, Err(ConfigError::InvalidEnv { var: ENV_REDIS_URL, .. })));
        let err = ClientBuilder::default().env_with(&env(&[(ENV_REDIS_URL, "mysql://:env-s3cret@h")])).unwrap_err();
        assert!(matches!(&err, ConfigError::InvalidEnv { var: ENV_REDIS_URL, .. }), "{err:?}");
        assert!(!format!("{err} {err:?}").contains("env-s3cret"), "{err:?}");
    }

    #[test]
    fn unset_and_empty_keep_the_defaults() {
        let d = ClientBuilder::default();
        let pairs: Vec<(&str, &str)> = ENV_VARIABLES.iter().map(|v| (*v, " ")).collect();
        for b in [ClientBuilder::default().env_with(&env(&[])).unwrap(), ClientBuilder::default().env_with(&env(&pairs)).unwrap()] {
            assert_eq!(format!("{b:?}"), format!("{d:?}"));
        }
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let cases = [
            (ENV_REGION, "Ap Guangzhou"),
            (ENV_ENDPOINT, "ftp://x"),
            (ENV_ENDPOINT, "http://x/path"),
            (ENV_LANGUAGE, "fr-FR"),
            (ENV_METHOD, "PUT"),
            (ENV_CONNECT_TIMEOUT, "ten"),
            (ENV_REQUEST_TIMEOUT, "0"),
            (ENV_REQUEST_TIMEOUT, "-1"),
            (ENV_OPERATION_TIMEOUT, "inf"),
            (ENV_OPERATION_TIMEOUT, "1e9"),
            (ENV_MAX_ATTEMPTS, "0"),
            (ENV_MAX_ATTEMPTS, "three"),
            (ENV_STRICT, "maybe"),
        ];
        for (var, value) in cases {
            let err = ClientBuilder::default().env_with(&env(&[(var, value)])).unwrap_err();
            assert!(matches!(&err, ConfigError::InvalidEnv { var: v, .. } if *v == var), "{var}={value}: {err:?}");
            let shown = err.to_string();
            assert!(shown.starts_with(&format!("environment variable {var}={value:?}: expected ")), "{shown}");
        }
        let long = "x".repeat(10_000);
        let err = ClientBuilder::default().env_with(&env(&[(ENV_LANGUAGE, &long)])).unwrap_err();
        assert!(err.to_string().len() < 200, "{err}");
    }
}
