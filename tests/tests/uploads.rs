//! Large uploads over a bad network, through the real binaries: `amanat submit` sends a
//! multi-chunk attachment through a proxy that cuts connections, across a crash and restart
//! of the server, and across a restart of the client itself (`--resume-dir`); each time the
//! reviewer decrypts exactly the bytes the complainant had, stored once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amanat_tests::faults::{Fault, Proxy};
use amanat_tests::{Backend, Cli, Foundation, Server, Staff, parse_submit, privacy};

const MIB: u64 = 1024 * 1024;

struct World {
    foundation: Foundation,
    reviewer: Staff,
    server: Server,
    complainant: Cli,
    /// The attachment's bytes: 20 MiB, several chunks.
    video: Vec<u8>,
}

impl World {
    fn new() -> World {
        World::with(Backend::Sqlite, Vec::new())
    }

    /// On PostgreSQL and an S3 bucket (moto in CI), where each chunk is a part and a cut
    /// chunk is dropped whole; `None` when either is not configured.
    fn on_s3() -> Option<World> {
        let backend = Backend::postgres_from_env()?;
        let bucket = amanat_tests::bucket::TestBucket::fresh()?;
        Some(World::with(backend, bucket.env()))
    }

    fn with(backend: Backend, env: Vec<(String, String)>) -> World {
        let foundation = Foundation::new();
        let reviewer = foundation.add_staff("aigerim", "reviewer");
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let server = Server::start_with_env(
            &foundation.root_public,
            amanat_tests::ServerOptions {
                backend,
                max_document_bytes: None,
                session_ttl_secs: None,
            },
            &env,
        );
        foundation.set_log(&server);
        foundation.publish(&server);
        let complainant = Cli::new();
        let form = serde_json::json!({
            "version": 1, "language": "en",
            "identity": {"surname": "Tester", "given_name": privacy::canary("Upload"), "age": 30, "city": "Almaty"},
            "incidents": [{"event": "rally-2018-05-10", "date": "2018-05-10", "description": privacy::canary("filmed")}],
            "consent": {"publish_name": false}
        });
        std::fs::write(
            complainant.path("appeal.json"),
            serde_json::to_vec(&form).unwrap(),
        )
        .unwrap();
        // Not compressible, not constant: a simple xorshift stream.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let video: Vec<u8> = (0..20 * MIB)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        std::fs::write(complainant.path("video.mp4"), &video).unwrap();
        privacy::file_name("video.mp4");
        World {
            foundation,
            reviewer,
            server,
            complainant,
            video,
        }
    }

    fn submit_args(&self, server_url: &str, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "submit",
            "--server",
            server_url,
            "--server-cert",
            &self.server.cert_sha256,
            "--root",
            &self.foundation.fingerprint,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    /// The reviewer opens the case: the video must be exactly the complainant's, once.
    fn check_case(&mut self, case_id: &str) {
        self.reviewer
            .login(&self.server, &self.foundation.fingerprint);
        let out = format!("case-{case_id}");
        let opened = self.reviewer.cli.run(&[
            "staff",
            "open",
            case_id,
            "--out",
            &out,
            "--key",
            "staff.key",
        ]);
        let said = text(&opened);
        assert!(opened.status.success(), "{said}");
        // Not a terminal: the large download ends with a plain progress line; the form is
        // small and shows none.
        assert!(
            said.contains("receiving attachment: 20.5 MiB received"),
            "{said}"
        );
        assert!(!said.contains("receiving appeal-form"), "{said}");
        let dir = self.reviewer.cli.path(&out);
        let videos: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains("video.mp4"))
            .collect();
        assert_eq!(videos.len(), 1, "{videos:?}");
        assert!(
            std::fs::read(&videos[0]).unwrap() == self.video,
            "the video decrypted differently"
        );
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn resume_after_dropped_connections() {
    dropped_connections(World::new(), 30 * MIB);
}

/// On S3 a chunk cut mid-way is dropped whole (a part is all or nothing), so each cut may
/// cost up to one chunk (8 MiB) more than on a folder store; starting the video over at each
/// cut would still cost more (at least 6 + 15 + 20.5 MiB).
#[test]
fn resume_after_dropped_connections_s3() {
    if let Some(w) = World::on_s3() {
        let bucket = w.server.bucket().unwrap();
        dropped_connections(w, 38 * MIB);
        assert_eq!(bucket.multipart_uploads(), 0, "no upload may be left open");
    }
}

#[test]
fn resume_after_a_server_restart_s3() {
    if let Some(w) = World::on_s3() {
        server_restart(w);
    }
}

fn dropped_connections(mut w: World, most: u64) {
    let proxy = Proxy::for_url(&w.server.url);
    // Two cuts in the middle of the video's chunks (the keyring, case and form come first).
    proxy.arm(6 * MIB, Fault::Cut);
    proxy.arm(15 * MIB, Fault::Cut);
    let args = w.submit_args(
        &proxy.url(),
        &["--form", "appeal.json", "--attach", "video.mp4"],
    );
    let out = w.complainant.cmd().args(&args).output().unwrap();
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert_eq!(all.matches("resuming in").count(), 2, "{all}");
    // Not a terminal: plain progress lines, and the last one says it all went.
    assert!(all.contains("sending attachment: 20.5 MiB sent"), "{all}");
    let submitted = parse_submit(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(submitted.stdout.matches("sent ").count(), 2, "{all}");
    // Each resume starts where the server is: starting the video over at each cut would
    // have sent at least 6 + 9 + 20 MiB.
    assert!(proxy.forwarded() < most, "{}", proxy.forwarded());
    w.check_case(&submitted.case_id);
}

#[test]
fn resume_after_a_server_restart() {
    server_restart(World::new());
}

fn server_restart(mut w: World) {
    let proxy = Proxy::for_url(&w.server.url);
    proxy.arm(10 * MIB, Fault::Hold);
    let args = w.submit_args(
        &proxy.url(),
        &["--quiet", "--form", "appeal.json", "--attach", "video.mp4"],
    );
    let cmd = w.complainant.cmd();
    let client = std::thread::spawn(move || {
        let mut cmd = cmd;
        cmd.args(&args).output().unwrap()
    });
    proxy.wait_for_fault(Duration::from_secs(120));
    // A crash mid-chunk, then the server comes back (on a new port, behind the same proxy).
    w.server.restart();
    proxy.set_upstream_url(&w.server.url);
    proxy.release();
    let out = client.join().unwrap();
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    // --quiet: no progress or retry lines at all.
    assert!(!all.contains("resuming") && !all.contains("MiB/s"), "{all}");
    let submitted = parse_submit(&String::from_utf8_lossy(&out.stdout));
    w.check_case(&submitted.case_id);
}

#[test]
fn resume_after_the_client_restarts_with_resume_dir() {
    let mut w = World::new();
    let proxy = Proxy::for_url(&w.server.url);
    proxy.arm(10 * MIB, Fault::Hold);
    let args = w.submit_args(
        &proxy.url(),
        &[
            "--resume-dir",
            "spool",
            "--form",
            "appeal.json",
            "--attach",
            "video.mp4",
        ],
    );
    let mut child = w
        .complainant
        .cmd()
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = Arc::new(Mutex::new(String::new()));
    let reader = {
        let stdout = stdout.clone();
        let pipe = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut s = stdout.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        })
    };
    proxy.wait_for_fault(Duration::from_secs(120));
    // Resuming after a restart needs the whole ciphertext on disk (age encryption cannot be
    // continued by another process), so let the spool fill before the client dies; on a
    // loaded machine encryption can lag behind the cut connection.
    let spool = w.complainant.path("spool");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let complete = std::fs::read_dir(&spool).ok().and_then(|entries| {
            let files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
            let state = files
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == "json"))?;
            let data = files
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == "age"))?;
            let json: serde_json::Value =
                serde_json::from_slice(&std::fs::read(state).ok()?).ok()?;
            let want = json["length"].as_u64()?;
            Some(std::fs::metadata(data).ok()?.len() == want)
        });
        if complete == Some(true) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the spool never filled"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The client dies mid-upload (a closed laptop, a killed process).
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    let first = parse_submit(&stdout.lock().unwrap());

    // What the spool holds: one ciphertext and one small state file, nothing else.
    let mut names: Vec<String> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].ends_with(".age") && names[1].ends_with(".json"));
    let state = std::fs::read_to_string(spool.join(&names[1])).unwrap();
    for secret in ["video", "Tester", &first.codename, &first.case_id] {
        assert!(!state.contains(secret), "{secret:?} in {state}");
    }
    let age = std::fs::read(spool.join(&names[0])).unwrap();
    assert!(age.starts_with(b"age-encryption.org/v1\n"));

    // The same command again, with the codename: the upload resumes, straight to the server
    // this time (the old connection is still held open: the server must let go of it).
    let args = w.submit_args(
        &w.server.url,
        &[
            "--codename-stdin",
            "--resume-dir",
            "spool",
            "--attach",
            "video.mp4",
        ],
    );
    let mut again = w
        .complainant
        .cmd()
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    again
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", first.codename).as_bytes())
        .unwrap();
    let out = again.wait_with_output().unwrap();
    proxy.release();
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("Resuming the earlier upload at"), "{all}");
    assert_eq!(
        std::fs::read_dir(&spool).unwrap().count(),
        0,
        "the spool was not emptied"
    );
    w.check_case(&first.case_id);
}
