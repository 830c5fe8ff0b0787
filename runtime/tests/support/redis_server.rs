//! A throwaway `redis-server` for tests and benches: 127.0.0.1 on a free port, no
//! persistence (`--save '' --appendonly no`), a temporary directory, killed when dropped.
//!
//! When `redis-server` is not installed, [`RedisServer::start`] fails with how to install it
//! (`apt-get install -y redis-server`; `.ci/run` does), unless `TC_SKIP_REDIS_TESTS=1` is set:
//! then it returns `None` and the caller skips, saying so.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Set to `1` to skip the Redis tests on a machine without `redis-server`.
pub const SKIP_VAR: &str = "TC_SKIP_REDIS_TESTS";

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    password: Option<String>,
    dir: PathBuf,
}

impl RedisServer {
    /// A new server on a free port, with `requirepass` when `password` is given.
    pub fn start(password: Option<&str>) -> Option<RedisServer> {
        let probe = Command::new("redis-server").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
        if probe.map_or(true, |s| !s.success()) {
            if std::env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
                eprintln!("redis-server not found and {SKIP_VAR}=1: skipping this Redis test");
                return None;
            }
            panic!(
                "redis-server not found on PATH: the Redis tests (feature `redis`) need it. Install it \
                 (`apt-get install -y redis-server`, as .ci/run does), or set {SKIP_VAR}=1 to skip them."
            );
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut server = RedisServer { child: None, port, password: password.map(str::to_owned), dir: temp_dir() };
        server.restart();
        Some(server)
    }

    /// Starts the server again on the same port (after [`RedisServer::kill`]), empty.
    pub fn restart(&mut self) {
        std::fs::create_dir_all(&self.dir).unwrap();
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(p) = &self.password {
            cmd.args(["--requirepass", p]);
        }
        self.child = Some(cmd.spawn().expect("start redis-server"));
        // Ready when it answers PING (bounded: 10 s).
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if self.connection().is_ok_and(|mut c| redis::cmd("PING").query::<String>(&mut c).is_ok()) {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server on 127.0.0.1:{} did not answer PING in 10 s", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `redis://[:password@]127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        match &self.password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// A blocking connection, for the test to look at keys.
    pub fn connection(&self) -> redis::RedisResult<redis::Connection> {
        let client = redis::Client::open(self.url().as_str())?;
        client.get_connection_with_timeout(Duration::from_secs(2))
    }

    /// Every key (SCAN), sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut c = self.connection().unwrap();
        let mut keys: Vec<String> =
            redis::cmd("SCAN").cursor_arg(0).clone().iter(&mut c).unwrap().collect::<Result<_, _>>().unwrap();
        keys.sort();
        keys
    }

    /// `PTTL key`: milliseconds left, -1 without expiry, -2 when absent.
    pub fn pttl(&self, key: &str) -> i64 {
        redis::cmd("PTTL").arg(key).query(&mut self.connection().unwrap()).unwrap()
    }

    /// `GET key`.
    pub fn get(&self, key: &str) -> Option<String> {
        redis::cmd("GET").arg(key).query(&mut self.connection().unwrap()).unwrap()
    }

    /// `SET key value`.
    pub fn set(&self, key: &str, value: &str) {
        let () = redis::cmd("SET").arg(key).arg(value).query(&mut self.connection().unwrap()).unwrap();
    }

    /// Kills the server (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("tc-runtime-redis-{}-{n}", std::process::id()))
}
