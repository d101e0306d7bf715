//! Fixtures for the end-to-end scenarios: the real `amanat-server` binary on 127.0.0.1 with
//! a port it picks itself, the real `amanat` CLI with a throwaway HOME, a foundation with
//! keys and a keyring, and a small raw HTTP client for requests the CLI would never send.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Once;
use std::time::Duration;

use amanat_protocol::keyring::SignedKeyring;
use serde_json::Value;
use tempfile::TempDir;

pub mod browser;
pub mod bucket;
pub mod faults;
pub mod golang;
pub mod http;
pub mod privacy;
pub mod synthetic;
pub mod tamper;

/// The folder holding the workspace's binaries (`target/debug`), found from the test exe.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/journey-hash → target/debug; target/release/bench → target/release
    let dir = exe.parent().unwrap();
    if dir.ends_with("deps") {
        dir.parent().unwrap().to_owned()
    } else {
        dir.to_owned()
    }
}

pub fn bin(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is missing: run `cargo test --workspace` (or `cargo build --workspace`) so the binaries are built",
        p.display()
    );
    p
}

/// A passphrase long enough for the CLI's rule, passed through AMANAT_PASSPHRASE.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// Which database the server under test uses.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// PostgreSQL from `AMANAT_TEST_POSTGRES_URL`. Returns `None` (and the test should
    /// return early) when unset — unless `AMANAT_REQUIRE_POSTGRES=1`, as in CI, where a
    /// missing database is a failure rather than a silent skip.
    pub fn postgres_from_env() -> Option<Backend> {
        match std::env::var("AMANAT_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(fresh_postgres_database(&url))),
            _ => {
                assert!(
                    std::env::var("AMANAT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "AMANAT_REQUIRE_POSTGRES=1 but AMANAT_TEST_POSTGRES_URL is not set"
                );
                eprintln!("skipped: set AMANAT_TEST_POSTGRES_URL to run the PostgreSQL variant");
                None
            }
        }
    }
}

/// Creates an empty database next to the one in `url` and returns its URL.
pub fn fresh_postgres_database(url: &str) -> String {
    let name = format!("amanat_test_{}", random_hex(8));
    let out = Command::new("psql")
        .arg(url)
        .args([
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .expect("psql must be installed to run the PostgreSQL tests");
    assert!(
        out.status.success(),
        "CREATE DATABASE failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match url.rfind('/') {
        Some(i) if url[..i].contains("://") && url[i..].len() > 1 || url.ends_with('/') => {
            let base = &url[..i];
            let query = url[i..].find('?').map(|q| &url[i + q..]).unwrap_or("");
            format!("{base}/{name}{query}")
        }
        _ => format!("{}/{name}", url.trim_end_matches('/')),
    }
}

pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom_fill(&mut b);
    amanat_protocol::encoding::hex(&b)
}

fn getrandom_fill(b: &mut [u8]) {
    let mut f = std::fs::File::open("/dev/urandom").unwrap();
    f.read_exact(b).unwrap();
}

/// A running `amanat-server`. Killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
    pub cert_sha256: String,
    /// The log's origin and base64 public key, as `amanat-server init` printed them.
    pub log_origin: String,
    pub log_key: String,
    pub data: TempDir,
    pub log: PathBuf,
    pub backend: Backend,
    /// Extra environment for the server process (kept across [`Server::restart`]).
    pub env: Vec<(String, String)>,
    /// The `metrics on …` line, when the server was started with `AMANAT_METRICS_LISTEN`.
    metrics: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

/// The proof-of-work difficulty test servers start with (production's default is 18).
pub const TEST_POW_BITS: u8 = 8;

pub struct ServerOptions {
    pub backend: Backend,
    pub max_document_bytes: Option<u64>,
    pub session_ttl_secs: Option<u64>,
}

impl Server {
    pub fn start(root_public_b64: &str, backend: Backend) -> Server {
        Self::start_with(
            root_public_b64,
            ServerOptions {
                backend,
                max_document_bytes: None,
                session_ttl_secs: None,
            },
        )
    }

    pub fn start_with(root_public_b64: &str, opts: ServerOptions) -> Server {
        Self::start_with_env(root_public_b64, opts, &[])
    }

    /// As [`Server::start_with`], with extra `AMANAT_*` variables for `serve`, e.g.
    /// `AMANAT_REQUEST_TIMEOUT_SECS`.
    pub fn start_with_env(
        root_public_b64: &str,
        opts: ServerOptions,
        env: &[(&str, &str)],
    ) -> Server {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let data = tempfile::Builder::new()
            .prefix("amanat-server-")
            .tempdir()
            .unwrap();
        let dir = data.path().join("srv");
        let mut init = Command::new(bin("amanat-server"));
        init.args(["init", "--data"])
            .arg(&dir)
            .args(["--root-key", root_public_b64]);
        if let Backend::Postgres(url) = &opts.backend {
            init.args(["--database-url", url]);
        }
        let out = init.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "server init failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cert_sha256 = stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix("certificate sha256: "))
            .unwrap_or_else(|| panic!("no certificate line in: {stdout}"))
            .trim()
            .to_owned();
        let line = |prefix: &str| {
            stdout
                .lines()
                .find_map(|l| l.trim().strip_prefix(prefix))
                .unwrap_or_else(|| panic!("no {prefix:?} line in: {stdout}"))
                .trim()
                .to_owned()
        };
        let (log_origin, log_key) = (line("log origin: "), line("log key: "));
        let log = data.path().join("server.log");
        let mut child = Self::spawn(&dir, &log, &opts, &env);
        let metrics = std::sync::Arc::default();
        let url = read_listening(&mut child, &metrics);
        Server {
            metrics,
            child,
            url,
            cert_sha256,
            log_origin,
            log_key,
            data,
            log,
            backend: opts.backend,
            env,
        }
    }

    /// Serves a data directory made some other way (a restored backup) at `data/srv`; it
    /// keeps the certificate and log identity of `like`, the server it was copied from.
    pub fn start_existing(data: TempDir, backend: Backend, like: &Server) -> Server {
        let dir = data.path().join("srv");
        let log = data.path().join("server.log");
        let opts = ServerOptions {
            backend: backend.clone(),
            max_document_bytes: None,
            session_ttl_secs: None,
        };
        let mut child = Self::spawn(&dir, &log, &opts, &[]);
        let metrics = std::sync::Arc::default();
        let url = read_listening(&mut child, &metrics);
        Server {
            metrics,
            child,
            url,
            cert_sha256: like.cert_sha256.clone(),
            log_origin: like.log_origin.clone(),
            log_key: like.log_key.clone(),
            data,
            log,
            backend,
            env: Vec::new(),
        }
    }

    fn spawn(dir: &Path, log: &Path, opts: &ServerOptions, env: &[(String, String)]) -> Child {
        let logfile = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut cmd = Command::new(bin("amanat-server"));
        cmd.arg("serve")
            .arg("--config")
            .arg(dir.join("config.toml"))
            .args(["--listen", "127.0.0.1:0"])
            // Every level, the most verbose: privacy::check_log reads it all when it stops.
            .env("AMANAT_LOG", server_log_level())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(logfile));
        if let Some(max) = opts.max_document_bytes {
            cmd.env("AMANAT_MAX_DOCUMENT_BYTES", max.to_string());
        }
        if let Some(ttl) = opts.session_ttl_secs {
            cmd.env("AMANAT_SESSION_TTL_SECS", ttl.to_string());
        }
        // Little work per puzzle keeps the suite fast; a test may ask for more through `env`.
        cmd.env("AMANAT_POW_BITS", TEST_POW_BITS.to_string());
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        cmd.spawn().unwrap()
    }

    /// The server's data directory (config, TLS, SQLite database, blobs).
    pub fn dir(&self) -> PathBuf {
        self.data.path().join("srv")
    }

    /// The stored blobs: files of the blob folder, or `s3://bucket/…/blobs/…` objects when the
    /// server keeps them in a bucket.
    pub fn blob_files(&self) -> Vec<PathBuf> {
        if let Some(bucket) = self.bucket() {
            let blobs = format!("{}/blobs/", bucket.prefix);
            let mut v: Vec<PathBuf> = bucket
                .keys()
                .into_iter()
                .filter(|k| k.starts_with(&blobs))
                .map(|k| PathBuf::from(format!("s3://{}/{k}", bucket.bucket)))
                .collect();
            v.sort();
            return v;
        }
        let mut v = Vec::new();
        let root = self.dir().join("blobs");
        walk(&root, &mut v);
        v.retain(|p| {
            !p.strip_prefix(&root)
                .is_ok_and(|rel| rel.starts_with("tmp"))
        });
        v.sort();
        v
    }

    /// Each stored blob's name (as [`Server::blob_files`]) and bytes.
    pub fn blob_contents(&self) -> Vec<(String, Vec<u8>)> {
        if let Some(bucket) = self.bucket() {
            let blobs = format!("s3://{}/{}/blobs/", bucket.bucket, bucket.prefix);
            let mut v: Vec<_> = bucket
                .objects()
                .into_iter()
                .filter(|(k, _)| k.starts_with(&blobs))
                .collect();
            v.sort();
            return v;
        }
        self.blob_files()
            .into_iter()
            .map(|f| (f.display().to_string(), std::fs::read(&f).unwrap()))
            .collect()
    }

    /// Every byte the server has written: its data directory (database, WAL, blobs, config)
    /// and its log. The PostgreSQL database is dumped with pg_dump.
    pub fn all_stored_bytes(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        walk(self.data.path(), &mut files);
        let mut out: Vec<(String, Vec<u8>)> = files
            .into_iter()
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read(&p).unwrap_or_default(),
                )
            })
            .collect();
        if let Backend::Postgres(url) = &self.backend {
            let dump = Command::new("pg_dump")
                .arg(url)
                .output()
                .expect("pg_dump must be installed");
            assert!(
                dump.status.success(),
                "pg_dump failed: {}",
                String::from_utf8_lossy(&dump.stderr)
            );
            out.push(("pg_dump".into(), dump.stdout));
        }
        if let Some(bucket) = self.bucket() {
            out.extend(bucket.objects());
        }
        out
    }

    /// The S3 bucket this server keeps its blobs in, if it was started with one.
    pub fn bucket(&self) -> Option<bucket::TestBucket> {
        bucket::TestBucket::from_env(&self.env)
    }

    /// A second server on the same data: the same database, blob store, log key and
    /// certificate (a copy of the configuration, TLS and log key files), with the same
    /// environment, as a second instance behind a load balancer would be.
    pub fn twin(&self) -> Server {
        let data = tempfile::Builder::new()
            .prefix("amanat-twin-")
            .tempdir()
            .unwrap();
        let dir = data.path().join("srv");
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(self.dir()).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
            }
        }
        // The certificate too, for clients of this instance (the config names the original).
        std::fs::create_dir_all(dir.join("tls")).unwrap();
        std::fs::copy(self.dir().join("tls/cert.pem"), dir.join("tls/cert.pem")).unwrap();
        let log = data.path().join("server.log");
        let opts = ServerOptions {
            backend: self.backend.clone(),
            max_document_bytes: None,
            session_ttl_secs: None,
        };
        let mut child = Self::spawn(&dir, &log, &opts, &self.env);
        let metrics = std::sync::Arc::default();
        let url = read_listening(&mut child, &metrics);
        Server {
            metrics,
            child,
            url,
            cert_sha256: self.cert_sha256.clone(),
            log_origin: self.log_origin.clone(),
            log_key: self.log_key.clone(),
            data,
            log,
            backend: self.backend.clone(),
            env: self.env.clone(),
        }
    }

    /// Kills the server as a crash would (SIGKILL), without starting it again.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the server as a crash would (SIGKILL) and starts it again on the same data
    /// directory, with default options; `url` changes (a new port).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let opts = ServerOptions {
            backend: self.backend.clone(),
            max_document_bytes: None,
            session_ttl_secs: None,
        };
        self.child = Self::spawn(&self.dir(), &self.log, &opts, &self.env);
        self.url = read_listening(&mut self.child, &self.metrics);
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// The server process's id (for reading its memory use from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The metrics URL the server printed (it was started with `AMANAT_METRICS_LISTEN`).
    pub fn metrics_url(&self) -> String {
        for _ in 0..200 {
            if let Some(u) = self.metrics.lock().unwrap().clone() {
                return u;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server printed no `metrics on …` line");
    }

    pub fn http(&self) -> http::Client {
        http::Client::new(&self.url, &self.dir().join("tls/cert.pem"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Every server's whole log, against every secret the tests have seen (issue 6).
        privacy::check_log(&self.log);
    }
}

/// The server's log filter under test: `trace` (which includes `debug`, and the HTTP stack's
/// own trace lines) unless `AMANAT_TEST_SERVER_LOG` says otherwise.
fn server_log_level() -> String {
    std::env::var("AMANAT_TEST_SERVER_LOG").unwrap_or_else(|_| "trace".into())
}

fn read_listening(
    child: &mut Child,
    metrics: &std::sync::Arc<std::sync::Mutex<Option<String>>>,
) -> String {
    *metrics.lock().unwrap() = None;
    let metrics = metrics.clone();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                let _ = tx.send(url.to_owned());
            }
            if let Some(url) = line.trim().strip_prefix("metrics on ") {
                *metrics.lock().unwrap() = Some(url.to_owned());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the server did not report `listening on …` within 60 s")
}

/// The names (SHA-256 in hex) of the blobs in a folder blob store, sorted.
pub fn walk_blob_names(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    walk(root, &mut files);
    let mut names: Vec<String> = files
        .iter()
        .filter(|p| {
            !p.strip_prefix(root)
                .is_ok_and(|r| r.starts_with("tmp") || r.starts_with("uploads"))
        })
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .filter(|n| n.len() == 64)
        .collect();
    names.sort();
    names
}

pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Runs the real `amanat` CLI with its own throwaway HOME and the test passphrase.
pub struct Cli {
    pub home: TempDir,
}

impl Default for Cli {
    fn default() -> Self {
        Self::new()
    }
}

impl Cli {
    pub fn new() -> Self {
        Self {
            home: tempfile::Builder::new()
                .prefix("amanat-home-")
                .tempdir()
                .unwrap(),
        }
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(bin("amanat"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("TMPDIR", self.home.path().join("tmp"))
            .env("AMANAT_PASSPHRASE", PASSPHRASE)
            .current_dir(self.home.path())
            .stdin(Stdio::null());
        let _ = std::fs::create_dir_all(self.home.path().join("tmp"));
        c
    }

    /// Runs and returns the output, whatever the exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Runs with `stdin` written to standard input; returns the output, whatever the status.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .cmd()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs and panics with both streams if the command fails.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "amanat {args:?} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }
}

/// A foundation: root key, reviewers' keys, a signed keyring file.
pub struct Foundation {
    pub admin: Cli,
    pub fingerprint: String,
    pub root_public: String,
}

impl Foundation {
    pub fn new() -> Foundation {
        let admin = Cli::new();
        let out = admin.ok(&["admin", "init", "--out", "root.key"]);
        let mut lines = out.lines().map(str::trim);
        let fingerprint = lines
            .by_ref()
            .skip_while(|l| !l.starts_with("Root fingerprint"))
            .nth(2)
            .unwrap()
            .to_owned();
        let root_public = out
            .lines()
            .skip_while(|l| !l.starts_with("Root public key"))
            .nth(1)
            .unwrap()
            .trim()
            .to_owned();
        assert_eq!(
            fingerprint.len(),
            64,
            "unexpected fingerprint {fingerprint:?}"
        );
        Foundation {
            admin,
            fingerprint,
            root_public,
        }
    }

    /// Makes a staff member's keys in their own HOME and adds them to the keyring file.
    pub fn add_staff(&self, id: &str, roles: &str) -> Staff {
        let cli = Cli::new();
        cli.ok(&[
            "staff",
            "keygen",
            "--id",
            id,
            "--name",
            &format!("Staff {id}"),
            "--out",
            "staff.key",
            "--public-out",
            "staff.pub",
        ]);
        std::fs::copy(cli.path("staff.pub"), self.admin.path(&format!("{id}.pub"))).unwrap();
        self.admin.ok(&[
            "admin",
            "keyring",
            "add",
            "--root-key",
            "root.key",
            "--staff",
            &format!("{id}.pub"),
            "--roles",
            roles,
        ]);
        Staff {
            id: id.to_owned(),
            cli,
        }
    }

    pub fn remove_staff(&self, id: &str) {
        self.admin.ok(&[
            "admin",
            "keyring",
            "remove",
            "--root-key",
            "root.key",
            "--id",
            id,
        ]);
    }

    /// Names the server's log in the keyring (a new signed version).
    pub fn set_log(&self, server: &Server) {
        self.admin.ok(&[
            "admin",
            "keyring",
            "set-log",
            "--root-key",
            "root.key",
            "--origin",
            &server.log_origin,
            "--key",
            &server.log_key,
        ]);
    }

    pub fn publish(&self, server: &Server) -> String {
        self.admin.ok(&[
            "admin",
            "keyring",
            "publish",
            "--server",
            &server.url,
            "--server-cert",
            &server.cert_sha256,
        ])
    }

    /// Hands the foundation to a new root (made, rotated to, handover and keyring
    /// published) and returns the new fingerprint. `root.key` stays the old key.
    pub fn rotate(&self, server: &Server) -> String {
        let init = self.admin.ok(&["admin", "init", "--out", "new-root.key"]);
        let fingerprint = init
            .lines()
            .map(str::trim)
            .skip_while(|l| !l.starts_with("Root fingerprint"))
            .nth(2)
            .unwrap()
            .to_owned();
        self.admin.ok(&[
            "admin",
            "root",
            "rotate",
            "--root-key",
            "root.key",
            "--new-root-key",
            "new-root.key",
        ]);
        self.admin.ok(&[
            "admin",
            "root",
            "publish",
            "handover.json",
            "--server",
            &server.url,
            "--server-cert",
            &server.cert_sha256,
        ]);
        self.publish(server);
        fingerprint
    }

    pub fn signed_keyring(&self) -> SignedKeyring {
        serde_json::from_slice(&std::fs::read(self.admin.path("keyring.json")).unwrap()).unwrap()
    }
}

impl Default for Foundation {
    fn default() -> Self {
        Self::new()
    }
}

pub struct Staff {
    pub id: String,
    pub cli: Cli,
}

impl Staff {
    pub fn login(&self, server: &Server, fp: &str) -> String {
        self.cli.ok(&[
            "staff",
            "login",
            "--key",
            "staff.key",
            "--server",
            &server.url,
            "--server-cert",
            &server.cert_sha256,
            "--root",
            fp,
        ])
    }

    /// The bearer token `staff login` saved.
    pub fn token(&self) -> String {
        let p = self
            .cli
            .home
            .path()
            .join(".local/state/amanat/staff-session.json");
        let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        let token = v["token"].as_str().unwrap().to_owned();
        privacy::token(&token);
        token
    }

    pub fn keys(&self) -> amanat_protocol::keys::StaffKeys {
        let bytes = std::fs::read(self.cli.path("staff.key")).unwrap();
        let pass = age::secrecy::SecretString::from(PASSPHRASE.to_owned());
        amanat_protocol::keys::StaffKeys::open(&pass, bytes.as_slice()).unwrap()
    }
}

/// What `amanat submit` printed that a test needs.
pub struct SubmitOutput {
    pub case_id: String,
    pub codename: String,
    pub stdout: String,
}

pub fn parse_submit(stdout: &str) -> SubmitOutput {
    let case_id = stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("Case ")
                .and_then(|r| r.strip_suffix(" created."))
        })
        .unwrap_or_else(|| panic!("no case id in:\n{stdout}"))
        .to_owned();
    let codename = stdout
        .lines()
        .skip_while(|l| !l.contains("YOUR CODENAME"))
        .skip(1)
        .take_while(|l| !l.starts_with("Practise"))
        .filter(|l| l.starts_with("        "))
        .flat_map(|l| l.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        codename.split(' ').count(),
        amanat_protocol::codename::TOTAL_WORDS,
        "no codename in:\n{stdout}"
    );
    privacy::codename(&codename);
    SubmitOutput {
        case_id,
        codename,
        stdout: stdout.to_owned(),
    }
}

static PROVIDER: Once = Once::new();

/// rustls needs one process-wide crypto provider for reqwest's verifier.
pub fn install_crypto_provider() {
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Case keys from a codename printed by `amanat submit`, derived as the CLI does.
pub fn case_keys(codename: &str, fingerprint: &str) -> amanat_protocol::codename::CaseKeys {
    let fp = amanat_protocol::keyring::Fingerprint::parse(fingerprint).unwrap();
    amanat_protocol::codename::Codename::parse(codename)
        .unwrap()
        .derive(&fp)
        .unwrap()
}
