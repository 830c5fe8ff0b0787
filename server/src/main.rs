//! The `tc-mock` command: serves the spec on 127.0.0.1 until interrupted.
//!
//! `cargo run -p tc-mock -- --port 9000 [--spec DIR] [--secret-id X --secret-key Y]...`

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tc_mock::{MockServer, RateLimit};

const USAGE: &str = "\
tc-mock: an offline Tencent Cloud API 3.0 server driven by the spec

usage: tc-mock [options]
  --port N             port on 127.0.0.1 (default 0: an ephemeral port, printed)
  --spec DIR           spec directory (default: the workspace's spec/)
  --secret-id ID       accepted SecretId; pair each with --secret-key (repeatable;
  --secret-key KEY     default: tc_mock::DEFAULT_SECRET_ID / DEFAULT_SECRET_KEY)
  --skew SECS          timestamp tolerance in seconds (default 300)
  --no-rate-limit      do not throttle (default: each action's documented rate)
  --rate N             throttle every action at N requests per second
  --max-body BYTES     request body cap (default 10485760)
  --seed N             fault PRNG seed
  -h, --help           this text
";

struct Args {
    port: u16,
    spec: Option<PathBuf>,
    pairs: Vec<(String, String)>,
    skew: Option<u64>,
    rate_limit: RateLimit,
    max_body: Option<usize>,
    seed: Option<u64>,
    max_connections: Option<usize>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        port: 0,
        spec: None,
        pairs: Vec::new(),
        skew: None,
        rate_limit: RateLimit::default(),
        max_body: None,
        seed: None,
        max_connections: None,
    };
    let (mut ids, mut keys) = (Vec::new(), Vec::new());
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| v.parse::<u64>().map_err(|_| format!("{name}: `{v}` is not a number"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let v = value("--port")?;
                args.port = v.parse().map_err(|_| format!("--port: `{v}` is not a port"))?;
            }
            "--spec" => args.spec = Some(PathBuf::from(value("--spec")?)),
            "--secret-id" => ids.push(value("--secret-id")?),
            "--secret-key" => keys.push(value("--secret-key")?),
            "--skew" => args.skew = Some(number("--skew", value("--skew")?)?),
            "--no-rate-limit" => args.rate_limit = RateLimit::off(),
            "--rate" => {
                let n = number("--rate", value("--rate")?)?;
                args.rate_limit = RateLimit::documented().with_rate(u32::try_from(n).unwrap_or(u32::MAX));
            }
            "--max-body" => {
                let n = number("--max-body", value("--max-body")?)?;
                args.max_body = Some(usize::try_from(n).unwrap_or(usize::MAX));
            }
            "--max-connections" => {
                let n = number("--max-connections", value("--max-connections")?)?;
                args.max_connections = Some(usize::try_from(n).unwrap_or(usize::MAX));
            }
            "--seed" => args.seed = Some(number("--seed", value("--seed")?)?),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if ids.len() != keys.len() {
        return Err("give as many --secret-key as --secret-id".to_owned());
    }
    args.pairs = ids.into_iter().zip(keys).collect();
    Ok(Some(args))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("tc-mock: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tc-mock: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let mut b = MockServer::builder().port(args.port).rate_limit(args.rate_limit);
        if let Some(dir) = args.spec {
            b = b.spec_dir(dir);
        }
        for (id, key) in args.pairs {
            b = b.credential(id, key);
        }
        if let Some(s) = args.skew {
            b = b.skew_tolerance(Duration::from_secs(s));
        }
        if let Some(n) = args.max_body {
            b = b.max_body_bytes(n);
        }
        if let Some(n) = args.max_connections {
            b = b.max_connections(n);
        }
        if let Some(s) = args.seed {
            b = b.seed(s);
        }
        let server = match b.start().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tc-mock: {e}");
                return ExitCode::FAILURE;
            }
        };
        let actions: usize = server.api().services.iter().map(|s| s.actions.len()).sum();
        let mut banner = format!("tc-mock listening on {}\n", server.endpoint());
        banner.push_str(&format!("serving {actions} actions of {} services\n", server.api().services.len()));
        for c in server.credentials() {
            banner.push_str(&format!("accepting SecretId {}\n", c.secret_id));
        }
        // A closed stdout (the caller read the endpoint and went away) must not stop serving.
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
        drop(out);
        server.wait().await;
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[&str]) -> Result<Option<Args>, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_flags() {
        let a = parse(&["--port", "9000", "--secret-id", "A", "--secret-key", "B", "--no-rate-limit", "--spec", "x"])
            .unwrap()
            .unwrap();
        assert_eq!(a.port, 9000);
        assert_eq!(a.pairs, vec![("A".to_owned(), "B".to_owned())]);
        assert!(!a.rate_limit.enabled());
        assert_eq!(a.spec, Some(PathBuf::from("x")));
        assert!(parse(&["--help"]).unwrap().is_none());
        assert!(parse(&["--secret-id", "A"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }
}
