//! Runs the real `amanat-server` binary: `init` into a temporary directory, `serve` on port 0,
//! and a pinned TLS request to /v1/health. Also makes `cargo test` build the binary that the
//! workspace's end-to-end suite drives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};

use base64::Engine;

const BIN: &str = env!("CARGO_BIN_EXE_amanat-server");

/// Kills the server even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn root_key_b64() -> String {
    let root = amanat_protocol::keyring::RootKey::generate();
    base64::engine::general_purpose::STANDARD.encode(root.public().as_bytes())
}

#[test]
fn init_serve_and_health() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = Command::new(BIN)
        .args(["init", "--data"])
        .arg(&data)
        .args([
            "--root-key",
            &root_key_b64(),
            "--hostname",
            "amanat.example",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let fingerprint = stdout
        .lines()
        .find_map(|l| l.strip_prefix("certificate sha256: "))
        .expect("fingerprint line")
        .to_owned();
    assert_eq!(fingerprint.len(), 64);
    // The log's identity, for `amanat admin keyring set-log --origin … --key …`.
    let origin = stdout
        .lines()
        .find_map(|l| l.strip_prefix("log origin: "))
        .expect("log origin line");
    assert!(origin.starts_with("amanat.invalid/log-"), "{origin}");
    assert_eq!(origin.len(), "amanat.invalid/log-".len() + 8);
    let log_key = stdout
        .lines()
        .find_map(|l| l.strip_prefix("log key: "))
        .expect("log key line");
    let log_key: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(log_key)
        .unwrap()
        .try_into()
        .unwrap();
    let log_verifier = amanat_protocol::log::note::NoteVerifier::new(origin, log_key).unwrap();
    assert!(
        fingerprint
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );

    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("tls/key.pem")), 0o600);
    assert_eq!(mode(&data.join("log.key")), 0o600);
    assert_eq!(std::fs::metadata(data.join("log.key")).unwrap().len(), 32);
    assert!(data.join("tls/cert.pem").is_file());
    let config = data.join("config.toml");
    assert!(config.is_file());

    // A second init must not clobber the first.
    let again = Command::new(BIN)
        .args(["init", "--data"])
        .arg(&data)
        .args(["--root-key", &root_key_b64()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing to overwrite"));

    // A root key that is not one gets a message saying where to find the real one.
    let bad = Command::new(BIN)
        .args(["init", "--data"])
        .arg(tmp.path().join("other"))
        .args(["--root-key", "AAAA"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("amanat admin init"));
    let bad_origin = Command::new(BIN)
        .args(["init", "--data"])
        .arg(tmp.path().join("other"))
        .args(["--root-key", &root_key_b64(), "--log-origin", "my log"])
        .output()
        .unwrap();
    assert!(!bad_origin.status.success());
    assert!(String::from_utf8_lossy(&bad_origin.stderr).contains("log_origin"));
    assert!(
        !tmp.path().join("other").exists(),
        "a refused init leaves nothing"
    );
    let chosen = Command::new(BIN)
        .args(["init", "--data"])
        .arg(tmp.path().join("chosen"))
        .args([
            "--root-key",
            &root_key_b64(),
            "--log-origin",
            "amanat.example/log",
        ])
        .output()
        .unwrap();
    assert!(chosen.status.success());
    assert!(String::from_utf8_lossy(&chosen.stdout).contains("\nlog origin: amanat.example/log\n"));

    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .args(["--listen", "127.0.0.1:0"])
        .env("AMANAT_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(base.starts_with("https://127.0.0.1:"));
    assert!(!base.ends_with(":0"));

    let client = common::pinned_client(&fingerprint);
    let res = client.get(format!("{base}/v1/health")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=63072000"
    );
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers().get("server").is_none());
    let health: amanat_protocol::wire::Health = res.json().unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.keyring_version, None);
    // The served log signs with the key init printed.
    let res = client
        .get(format!("{base}/v1/log/checkpoint"))
        .send()
        .unwrap();
    let c: amanat_protocol::wire::LogCheckpoint = res.json().unwrap();
    let c = amanat_protocol::log::checkpoint::SignedCheckpoint(c.checkpoint)
        .verify(&log_verifier)
        .unwrap();
    assert_eq!(c.size, 0);

    // The healthcheck subcommand, as operators use it.
    let hc = Command::new(BIN)
        .args(["healthcheck", "--url", &base, "--cert-sha256", &fingerprint])
        .output()
        .unwrap();
    assert!(
        hc.status.success(),
        "{}",
        String::from_utf8_lossy(&hc.stderr)
    );
    assert!(String::from_utf8_lossy(&hc.stdout).contains("\"status\":\"ok\""));

    // A client pinned to another certificate must not get through.
    let wrong = common::pinned_client(&"0".repeat(64));
    assert!(wrong.get(format!("{base}/v1/health")).send().is_err());
    drop(server);
}
