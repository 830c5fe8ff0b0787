//! The `tc-mock` command: serves the spec on 127.0.0.1 until interrupted, set up by flags
//! and/or a scenario file (`tc_mock::scenario`), and prints the shell lines that point a
//! client at it. `tc-mock --help` lists everything.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;
use tc_mock::scenario::{ActionScript, Scenario, fault_from_spec};
use tc_mock::{Credential, MockServer, RateLimit};

const USAGE: &str = "\
tc-mock: an offline Tencent Cloud API 3.0 server driven by the spec

usage: tc-mock [options]

It prints the shell lines to reach it, e.g.
  export TENCENTCLOUD_ENDPOINT=http://127.0.0.1:9000
  export TENCENTCLOUD_SECRET_ID=...
  export TENCENTCLOUD_SECRET_KEY=...
(`eval \"$(tc-mock ... | head -n 4)\"` in a script; lines starting with # are comments).

Server:
  --port N              port on 127.0.0.1 (default 0: an ephemeral port, printed)
  --spec DIR            spec directory (default: the workspace's spec/)
  --scenario FILE       a JSON scenario (below); the flags here apply on top of it
  --max-body BYTES      request body cap (default 10485760)
  --max-connections N   connections served at once (default 1024; more are closed)
  --log-capacity N      request log entries kept (default 10000)
  --log-bytes BYTES     the request log's byte budget (default 33554432)
  --idempotency-capacity N
                        idempotency tokens remembered (default 10000; 0: none)
  --idempotency-bytes BYTES
                        their byte budget, keys and first replies (default 16777216)

Credentials (the first pair is the one printed):
  --secret-id ID        accepted SecretId; pair each with a --secret-key, in order
  --secret-key KEY      (repeatable; default: tc_mock::DEFAULT_SECRET_ID / DEFAULT_SECRET_KEY)
  --token TOKEN         the latest --secret-id is temporary and needs this token

Clock and throttling:
  --skew SECS           timestamp tolerance (default 300)
  --clock-offset SECS   run the server's clock SECS ahead (negative: behind)
  --no-rate-limit       do not throttle (default: each action's documented rate, per SecretId)
  --rate N              throttle every action at N requests per second
  --burst N             allow bursts of N (default: one second's worth)

Answers (ACTION is an action of the spec; JSON may be @FILE to read it from a file):
  --respond ACTION=JSON answer valid requests with this object (inside `Response`)
  --fail ACTION=CODE[:MESSAGE]
                        answer valid requests with this error
  --items ACTION=JSON   serve this array in pages (Offset/Limit), the total filled in

Faults (repeatable, tried in order; the first that fires wins):
  --fault KIND[:ARG][,TRIGGER][,action=ACTION][,phase=PHASE]
      KIND     delay:MS | http:STATUS | error:CODE | throttle | not-json | truncated-json
               | drop (close without answering) | drop-mid-body (half the body, then close)
      TRIGGER  times=N | p=PROBABILITY (seeded) | always (the default)
      PHASE    before: the action does not run (no checks; a delay only makes it late)
               after:  it is checked and runs, then the reply is lost, replaced or garbled
               (default: after for not-json, truncated-json, drop-mid-body; else before)
      e.g. --fault throttle,times=2,action=DescribeProVersionInfo --fault http:502,p=0.1
           --fault drop,times=1,action=CreateRefreshTask,phase=after
  --seed N              seed of the fault PRNG

Mutating actions: the server counts the requests that executed (passed every check),
apart from those refused before; an action with an idempotency token (ClientToken)
answers a token already executed with its first reply (fresh RequestId), not again.

Scenario file (every key optional; unknown keys are errors):
  {\"credentials\": [{\"secret_id\": \"AKID...\", \"secret_key\": \"...\", \"token\": \"...\"}],
   \"skew_secs\": 300, \"clock_offset_secs\": -600, \"seed\": 7,
   \"rate_limit\": \"documented\" | \"off\" | {\"rate\": 5, \"burst\": 1},
   \"max_body_bytes\": 1048576, \"log_capacity\": 1000, \"log_bytes\": 8388608,
   \"max_connections\": 64, \"idempotency_capacity\": 10000, \"idempotency_bytes\": 16777216,
   \"actions\": {\"ACTION\": {\"response\": {...}} | {\"error\": {\"code\": \"...\", \"message\": \"...\"}}
                        | {\"items\": [...]}},
   \"faults\": [{\"fault\": \"delay\", \"ms\": 200, \"probability\": 0.5},
              {\"fault\": \"http_status\", \"status\": 502, \"times\": 3},
              {\"fault\": \"error\", \"code\": \"InternalError\", \"message\": \"...\", \"always\": true},
              {\"fault\": \"throttle\" | \"not_json\" | \"truncated_json\" | \"drop\" | \"drop_mid_body\",
               \"times\": N, \"action\": \"ACTION\", \"phase\": \"before\" | \"after\"}]}

  -h, --help            this text
";

/// What the command line asked for: a scenario (from `--scenario` and the flags on top).
#[derive(Debug)]
struct Args {
    port: u16,
    spec: Option<PathBuf>,
    scenario: Scenario,
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: `{v}` is not a valid number"))
}

/// `ACTION=VALUE`, with VALUE read from a file when it starts with `@`.
fn action_value(flag: &str, v: &str) -> Result<(String, String), String> {
    let (action, value) = v
        .split_once('=')
        .filter(|(a, _)| !a.is_empty())
        .ok_or_else(|| format!("{flag}: expected ACTION=..."))?;
    let value = match value.strip_prefix('@') {
        Some(file) => {
            std::fs::read_to_string(file).map_err(|e| format!("{flag}: cannot read {file}: {e}"))?
        }
        None => value.to_owned(),
    };
    Ok((action.to_owned(), value))
}

fn json(flag: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{flag}: not valid JSON: {e}"))
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut port = 0;
    let mut spec = None;
    let mut scenario_file = None;
    let mut flags = Scenario::default();
    // The k-th --secret-key goes with the k-th --secret-id; --token with the latest id.
    let (mut ids, mut keys): (Vec<(String, Option<String>)>, Vec<String>) =
        (Vec::new(), Vec::new());
    let mut rate: Option<RateLimit> = None;
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => port = number("--port", &value("--port")?)?,
            "--spec" => spec = Some(PathBuf::from(value("--spec")?)),
            "--scenario" => scenario_file = Some(PathBuf::from(value("--scenario")?)),
            "--secret-id" => ids.push((value("--secret-id")?, None)),
            "--secret-key" => keys.push(value("--secret-key")?),
            "--token" => {
                let token = value("--token")?;
                let last = ids
                    .last_mut()
                    .ok_or("--token comes after the --secret-id it belongs to")?;
                last.1 = Some(token);
            }
            "--skew" => {
                flags.skew_tolerance =
                    Some(Duration::from_secs(number("--skew", &value("--skew")?)?))
            }
            "--clock-offset" => {
                flags.clock_offset_secs = Some(number("--clock-offset", &value("--clock-offset")?)?)
            }
            "--no-rate-limit" => rate = Some(RateLimit::off()),
            "--rate" => {
                let n: u32 = number("--rate", &value("--rate")?)?;
                rate = Some(
                    rate.filter(RateLimit::enabled)
                        .unwrap_or_default()
                        .with_rate(n),
                );
            }
            "--burst" => {
                let n: u32 = number("--burst", &value("--burst")?)?;
                rate = Some(
                    rate.filter(RateLimit::enabled)
                        .unwrap_or_default()
                        .with_burst(n),
                );
            }
            "--max-body" => {
                flags.max_body_bytes = Some(number("--max-body", &value("--max-body")?)?)
            }
            "--max-connections" => {
                flags.max_connections =
                    Some(number("--max-connections", &value("--max-connections")?)?);
            }
            "--log-capacity" => {
                flags.log_capacity = Some(number("--log-capacity", &value("--log-capacity")?)?)
            }
            "--log-bytes" => flags.log_bytes = Some(number("--log-bytes", &value("--log-bytes")?)?),
            "--idempotency-capacity" => {
                let n = number("--idempotency-capacity", &value("--idempotency-capacity")?)?;
                flags.idempotency_capacity = Some(n);
            }
            "--idempotency-bytes" => {
                flags.idempotency_bytes = Some(number(
                    "--idempotency-bytes",
                    &value("--idempotency-bytes")?,
                )?);
            }
            "--seed" => flags.seed = Some(number("--seed", &value("--seed")?)?),
            "--respond" => {
                let (action, text) = action_value("--respond", &value("--respond")?)?;
                let obj = match json("--respond", &text)? {
                    Value::Object(o) => o,
                    _ => return Err("--respond: the response must be a JSON object".to_owned()),
                };
                flags
                    .actions
                    .entry(action)
                    .or_insert_with(ActionScript::default)
                    .response = Some(obj);
            }
            "--fail" => {
                let (action, spec) = action_value("--fail", &value("--fail")?)?;
                let (code, message) = match spec.split_once(':') {
                    Some((c, m)) => (c.to_owned(), m.to_owned()),
                    None => (
                        spec.clone(),
                        format!("{spec} (configured by tc-mock --fail)"),
                    ),
                };
                if code.is_empty() {
                    return Err("--fail: expected ACTION=CODE[:MESSAGE]".to_owned());
                }
                flags.actions.entry(action).or_default().error = Some((code, message));
            }
            "--items" => {
                let (action, text) = action_value("--items", &value("--items")?)?;
                let items = match json("--items", &text)? {
                    Value::Array(a) => a,
                    _ => return Err("--items: the items must be a JSON array".to_owned()),
                };
                flags.actions.entry(action).or_default().items = Some(items);
            }
            "--fault" => flags
                .faults
                .push(fault_from_spec(&value("--fault")?).map_err(|e| e.to_string())?),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if ids.len() != keys.len() {
        return Err("give as many --secret-key as --secret-id".to_owned());
    }
    flags.credentials = ids
        .into_iter()
        .zip(keys)
        .map(|((id, token), key)| {
            let c = Credential::new(id, key);
            match token {
                Some(t) => c.with_token(t),
                None => c,
            }
        })
        .collect();
    flags.rate_limit = rate;
    let mut scenario = match scenario_file {
        Some(file) => Scenario::from_file(&file).map_err(|e| format!("--scenario: {e}"))?,
        None => Scenario::default(),
    };
    merge(&mut scenario, flags);
    Ok(Some(Args {
        port,
        spec,
        scenario,
    }))
}

/// The flags on top of the file: scalars replace, credentials replace when given (so the
/// printed pair is the flags' first), answers replace per action and kind, faults append.
fn merge(base: &mut Scenario, flags: Scenario) {
    if !flags.credentials.is_empty() {
        base.credentials = flags.credentials;
    }
    base.skew_tolerance = flags.skew_tolerance.or(base.skew_tolerance);
    base.clock_offset_secs = flags.clock_offset_secs.or(base.clock_offset_secs);
    base.rate_limit = flags.rate_limit.or(base.rate_limit);
    base.seed = flags.seed.or(base.seed);
    base.max_body_bytes = flags.max_body_bytes.or(base.max_body_bytes);
    base.log_capacity = flags.log_capacity.or(base.log_capacity);
    base.log_bytes = flags.log_bytes.or(base.log_bytes);
    base.max_connections = flags.max_connections.or(base.max_connections);
    base.idempotency_capacity = flags.idempotency_capacity.or(base.idempotency_capacity);
    base.idempotency_bytes = flags.idempotency_bytes.or(base.idempotency_bytes);
    for (action, script) in flags.actions {
        let slot = base.actions.entry(action).or_default();
        slot.response = script.response.or(slot.response.take());
        slot.error = script.error.or(slot.error.take());
        slot.items = script.items.or(slot.items.take());
    }
    base.faults.extend(flags.faults);
}

/// `value` as one shell word: bare when it is plain, else single-quoted.
fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:@%+=,".contains(&b));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// What the server prints at startup: shell lines a user can paste (comments start with #).
fn banner(server: &MockServer, scenario: &Scenario) -> String {
    let api = server.api();
    let actions: usize = api.services.iter().map(|s| s.actions.len()).sum();
    let mut out = format!(
        "# tc-mock: {actions} actions of {} services on {} (Ctrl-C stops it)\n",
        api.services.len(),
        server.endpoint()
    );
    out.push_str(&format!(
        "export TENCENTCLOUD_ENDPOINT={}\n",
        shell_word(&server.endpoint())
    ));
    let creds = server.credentials();
    if let Some(c) = creds.first() {
        out.push_str(&format!(
            "export TENCENTCLOUD_SECRET_ID={}\n",
            shell_word(&c.secret_id)
        ));
        out.push_str(&format!(
            "export TENCENTCLOUD_SECRET_KEY={}\n",
            shell_word(&c.secret_key)
        ));
        if let Some(t) = &c.token {
            out.push_str(&format!(
                "export TENCENTCLOUD_SECURITY_TOKEN={}\n",
                shell_word(t)
            ));
        }
    }
    for c in creds.iter().skip(1) {
        out.push_str(&format!("# also accepting SecretId {}\n", c.secret_id));
    }
    if !scenario.actions.is_empty() || !scenario.faults.is_empty() {
        out.push_str(&format!(
            "# configured: {} action(s) with their own answers, {} fault rule(s)\n",
            scenario.actions.len(),
            scenario.faults.len()
        ));
    }
    out
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("tc-mock: {e}\n(tc-mock --help lists the options)");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tc-mock: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let mut b = args
            .scenario
            .configure(MockServer::builder().port(args.port));
        if let Some(dir) = args.spec {
            b = b.spec_dir(dir);
        }
        let server = match b.start().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("tc-mock: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = args.scenario.apply(&server) {
            eprintln!("tc-mock: scenario: {e}");
            return ExitCode::from(2);
        }
        // A closed stdout (the caller read the endpoint and went away) must not stop serving.
        let mut out = std::io::stdout().lock();
        let _ = out
            .write_all(banner(&server, &args.scenario).as_bytes())
            .and_then(|()| out.flush());
        drop(out);
        server.wait().await;
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tc_mock::Fault;

    fn parse(list: &[&str]) -> Result<Option<Args>, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_flags() {
        let a = parse(&[
            "--port",
            "9000",
            "--secret-id",
            "A",
            "--secret-key",
            "B",
            "--no-rate-limit",
            "--spec",
            "x",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.port, 9000);
        assert_eq!(a.scenario.credentials, vec![Credential::new("A", "B")]);
        assert_eq!(a.scenario.rate_limit, Some(RateLimit::off()));
        assert_eq!(a.spec, Some(PathBuf::from("x")));
        assert!(parse(&["--help"]).unwrap().is_none());
        for bad in [
            &["--secret-id", "A"][..],
            &["--port", "x"],
            &["--port", "70000"],
            &["--port"],
            &["--bogus"],
            &["--token", "t"],
            &["--skew", "-1"],
            &["--respond", "A=[1]"],
            &["--respond", "A={"],
            &["--respond", "=1"],
            &["--items", "A={}"],
            &["--fail", "A="],
            &["--fault", "boom"],
            &["--fault", "drop,phase=later"],
            &["--idempotency-capacity", "-1"],
            &["--idempotency-bytes"],
            &["--scenario", "/nonexistent/tc-mock-scenario.json"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_every_option() {
        let a = parse(&[
            "--secret-id",
            "A",
            "--secret-key",
            "B",
            "--secret-id",
            "T",
            "--token",
            "tok",
            "--secret-key",
            "K",
            "--skew",
            "60",
            "--clock-offset",
            "-600",
            "--rate",
            "5",
            "--burst",
            "2",
            "--max-body",
            "1000",
            "--max-connections",
            "8",
            "--log-capacity",
            "50",
            "--log-bytes",
            "4096",
            "--seed",
            "3",
            "--idempotency-capacity",
            "5",
            "--idempotency-bytes",
            "9000",
            "--respond",
            r#"DescribeImageAuthorizedInfo={"TotalAuthorizedCnt":7}"#,
            "--fail",
            "DescribeLicenseGeneral=InternalError:db down",
            "--items",
            r#"DescribeImageAutoAuthorizedTaskList=[{"TaskId":1},{"TaskId":2}]"#,
            "--fault",
            "throttle,times=2,action=DescribeProVersionInfo",
            "--fault",
            "delay:100,p=0.25",
            "--fault",
            "drop,times=1,action=CreateRefreshTask,phase=after",
        ])
        .unwrap()
        .unwrap();
        let s = &a.scenario;
        assert_eq!(
            s.credentials,
            vec![
                Credential::new("A", "B"),
                Credential::new("T", "K").with_token("tok")
            ]
        );
        assert_eq!(s.skew_tolerance, Some(Duration::from_secs(60)));
        assert_eq!(s.clock_offset_secs, Some(-600));
        assert_eq!(
            s.rate_limit,
            Some(RateLimit::documented().with_rate(5).with_burst(2))
        );
        assert_eq!(
            (s.max_body_bytes, s.max_connections, s.log_capacity, s.seed),
            (Some(1000), Some(8), Some(50), Some(3))
        );
        assert_eq!(s.log_bytes, Some(4096));
        assert_eq!(
            s.actions["DescribeImageAuthorizedInfo"]
                .response
                .as_ref()
                .unwrap()["TotalAuthorizedCnt"],
            7
        );
        assert_eq!(
            s.actions["DescribeLicenseGeneral"].error,
            Some(("InternalError".into(), "db down".into()))
        );
        assert_eq!(
            s.actions["DescribeImageAutoAuthorizedTaskList"]
                .items
                .as_ref()
                .map(Vec::len),
            Some(2)
        );
        assert_eq!(
            s.faults[0],
            Fault::throttle()
                .times(2)
                .for_action("DescribeProVersionInfo")
        );
        assert_eq!(
            s.faults[1],
            Fault::Delay(Duration::from_millis(100)).with_probability(0.25)
        );
        assert_eq!(
            s.faults[2],
            Fault::Drop
                .times(1)
                .for_action("CreateRefreshTask")
                .after_execution()
        );
        assert_eq!(
            (s.idempotency_capacity, s.idempotency_bytes),
            (Some(5), Some(9000))
        );
        // --rate after --no-rate-limit turns throttling back on.
        let a = parse(&["--no-rate-limit", "--rate", "9"]).unwrap().unwrap();
        assert_eq!(
            a.scenario.rate_limit,
            Some(RateLimit::documented().with_rate(9))
        );
    }

    #[test]
    fn flags_apply_on_top_of_the_scenario_file() {
        let path =
            std::env::temp_dir().join(format!("tc-mock-main-test-{}.json", std::process::id()));
        std::fs::write(
            &path,
            r#"{"seed": 1, "skew_secs": 10, "credentials": [{"secret_id": "F", "secret_key": "FK"}],
                "idempotency_capacity": 3, "idempotency_bytes": 4000,
                "actions": {"DescribeLicenseGeneral": {"error": {"code": "C1"}}},
                "faults": [{"fault": "drop", "times": 1}]}"#,
        )
        .unwrap();
        let p = path.to_str().unwrap();
        let a = parse(&[
            "--scenario",
            p,
            "--seed",
            "2",
            "--fail",
            "DescribeLicenseGeneral=C2",
            "--fault",
            "not-json",
            "--idempotency-capacity",
            "8",
        ]);
        let b = parse(&["--scenario", p, "--secret-id", "X", "--secret-key", "XK"]);
        let _ = std::fs::remove_file(&path);
        let s = a.unwrap().unwrap().scenario;
        assert_eq!(
            (s.seed, s.skew_tolerance),
            (Some(2), Some(Duration::from_secs(10)))
        );
        assert_eq!(s.credentials, vec![Credential::new("F", "FK")]);
        assert_eq!(
            s.actions["DescribeLicenseGeneral"]
                .error
                .as_ref()
                .unwrap()
                .0,
            "C2"
        );
        assert_eq!(s.faults.len(), 2);
        assert_eq!(
            (s.idempotency_capacity, s.idempotency_bytes),
            (Some(8), Some(4000))
        );
        assert_eq!(
            b.unwrap().unwrap().scenario.credentials,
            vec![Credential::new("X", "XK")]
        );
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
        assert_eq!(shell_word("AKIDabc"), "AKIDabc");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("$(x)"), "'$(x)'");
    }
}
