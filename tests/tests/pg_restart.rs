//! PostgreSQL restarted under load (issue 6, "Faults"): while the database is down every
//! request that needs it is answered `503 database_unavailable` with `Retry-After` within a
//! bound (never a 500, never a hang), and once it is back the same server process serves
//! again by itself, with nothing it acknowledged lost.
//!
//! A binary of its own with a single test: stopping PostgreSQL breaks every other
//! PostgreSQL test running at that moment. The cluster is controlled with `pg_ctlcluster`
//! (Debian's, as `.ci/run` starts it) and is always started again, also on a panic. Runs
//! when `AMANAT_TEST_POSTGRES_URL` is set (required with `AMANAT_REQUIRE_POSTGRES=1`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use amanat_protocol::DocumentId;
use amanat_tests::http::Reply;
use amanat_tests::{Backend, ServerOptions};
use support::{Case, World, logged_documents, sealed, verify_receipts};

/// Seconds a request waits for a connection before `503` (the server's setting).
const DB_TIMEOUT_SECS: u64 = 2;
/// The longest any request may take, even with the database gone: the connection wait plus
/// a generous margin for a loaded machine.
const REQUEST_BOUND: Duration = Duration::from_secs(30);

/// The local cluster, stopped and started with `pg_ctlcluster`; started again on drop.
struct Cluster {
    version: String,
    stopped: bool,
}

impl Cluster {
    fn find() -> Option<Cluster> {
        let version = std::fs::read_dir("/etc/postgresql")
            .ok()?
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .max_by_key(|v| v.parse::<u32>().unwrap_or(0))?;
        let ok = Command::new("pg_ctlcluster")
            .arg("--help")
            .output()
            .is_ok_and(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty());
        ok.then_some(Cluster {
            version,
            stopped: false,
        })
    }

    fn ctl(&self, action: &str) -> bool {
        let mut cmd = Command::new("pg_ctlcluster");
        cmd.args(["--skip-systemctl-redirect", &self.version, "main", action]);
        if action == "stop" {
            cmd.args(["-m", "fast"]);
        }
        let out = cmd.output().unwrap();
        if !out.status.success() {
            eprintln!(
                "pg_ctlcluster {action}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out.status.success()
    }

    fn stop(&mut self) {
        self.stopped = true;
        assert!(self.ctl("stop"), "could not stop PostgreSQL");
    }

    fn start(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.ctl("start") {
            assert!(Instant::now() < deadline, "PostgreSQL did not start again");
            thread::sleep(Duration::from_millis(500));
        }
        self.stopped = false;
        while !Command::new("pg_isready")
            .args(["-h", "127.0.0.1", "-p", "5432", "-q"])
            .status()
            .is_ok_and(|s| s.success())
        {
            assert!(Instant::now() < deadline, "PostgreSQL is not ready again");
            thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.stopped {
            self.start();
        }
    }
}

/// What the load saw, by phase.
#[derive(Default)]
struct Seen {
    /// (what, status, how long it took)
    replies: Vec<(&'static str, u16, Duration)>,
    /// Documents acknowledged with 201/200, and their receipts.
    stored: BTreeMap<DocumentId, Vec<u8>>,
    receipts: Vec<String>,
    /// Documents refused with 503 (bytes kept to retry them afterwards).
    refused: BTreeMap<DocumentId, Vec<u8>>,
}

fn check_reply(what: &'static str, r: &Reply, took: Duration) {
    assert!(
        took < REQUEST_BOUND,
        "{what} took {took:?} with the database down"
    );
    match r.status {
        200 | 201 => {}
        503 => {
            assert_eq!(
                r.error_code(),
                Some("database_unavailable"),
                "{what}: {r:?}"
            );
            assert!(
                r.header_value("retry-after").is_some(),
                "{what}: no Retry-After: {r:?}"
            );
        }
        s => panic!("{what} got {s}, not 200/201/503: {r:?}"),
    }
}

trait RetryAfter {
    fn header_value(&self, name: &str) -> Option<String>;
}

impl RetryAfter for Reply {
    fn header_value(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// One load thread: health checks, the complainant's own view, and uploads, in turn.
fn load(w: &World, case: &Case, seed: u64, stop: &AtomicBool, seen: &Mutex<Seen>) {
    let http = w.server.http();
    let mut n = seed * 1_000_000;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let t = Instant::now();
        let r = http.get("/v1/health", None);
        check_reply("GET /v1/health", &r, t.elapsed());
        seen.lock()
            .unwrap()
            .replies
            .push(("health", r.status, t.elapsed()));

        let t = Instant::now();
        let r = http.get("/v1/me", Some(&case.token));
        check_reply("GET /v1/me", &r, t.elapsed());
        seen.lock()
            .unwrap()
            .replies
            .push(("me", r.status, t.elapsed()));

        let doc = DocumentId::random();
        let bytes = sealed(&case.keys, 2000, n);
        let t = Instant::now();
        let r = http.put_bytes(&case.doc_path(&doc), bytes.clone(), &case.token);
        check_reply("PUT a document", &r, t.elapsed());
        let mut s = seen.lock().unwrap();
        s.replies.push(("put", r.status, t.elapsed()));
        if r.status == 503 {
            s.refused.insert(doc, bytes);
        } else {
            let receipt = r.json.unwrap()["receipt"].as_str().unwrap().to_owned();
            s.receipts.push(receipt);
            s.stored.insert(doc, bytes);
        }
        drop(s);
        thread::sleep(Duration::from_millis(50));
    }
}

fn count(seen: &Mutex<Seen>, what: &str, status: u16) -> usize {
    seen.lock()
        .unwrap()
        .replies
        .iter()
        .filter(|r| r.0 == what && r.1 == status)
        .count()
}

#[test]
fn postgres_restart_is_503_then_recovers() {
    let Some(backend) = Backend::postgres_from_env() else {
        return;
    };
    let Some(mut cluster) = Cluster::find() else {
        assert!(
            std::env::var("AMANAT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "AMANAT_REQUIRE_POSTGRES=1 but there is no local cluster pg_ctlcluster can restart"
        );
        eprintln!("skipped: no local PostgreSQL cluster that pg_ctlcluster can stop and start");
        return;
    };
    let timeout = DB_TIMEOUT_SECS.to_string();
    let w = World::new(
        ServerOptions {
            backend,
            max_document_bytes: None,
            session_ttl_secs: None,
        },
        &[("AMANAT_DATABASE_TIMEOUT_SECS", &timeout)],
    );
    let case = w.new_case();
    let w = Arc::new(w);
    let case = Arc::new(case);
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let threads: Vec<_> = (1..=4)
        .map(|i| {
            let (w, case, stop, seen) = (w.clone(), case.clone(), stop.clone(), seen.clone());
            thread::spawn(move || load(&w, &case, i, &stop, &seen))
        })
        .collect();

    // Load with the database up, then stop it until every kind of request has been
    // refused a few times (bounded: the refusals come within the connection timeout).
    let wait_for = |what: &str, status: u16, n: usize, limit: Duration| {
        let deadline = Instant::now() + limit;
        while count(&seen, what, status) < n {
            assert!(
                Instant::now() < deadline,
                "no {n} × {status} for {what} within {limit:?}"
            );
            thread::sleep(Duration::from_millis(100));
        }
    };
    wait_for("put", 201, 8, Duration::from_secs(60));
    let before_stop = seen.lock().unwrap().replies.len();
    cluster.stop();
    let stopped_at = Instant::now();
    let limit = Duration::from_secs(60);
    wait_for("health", 503, 3, limit);
    wait_for("me", 503, 3, limit);
    wait_for("put", 503, 3, limit);
    let down_for = stopped_at.elapsed();
    cluster.start();

    // The same process serves again, by itself, within a bounded wait.
    let back = Instant::now();
    let ok_before = count(&seen, "put", 201);
    wait_for("put", 201, ok_before + 5, Duration::from_secs(90));
    wait_for(
        "health",
        200,
        count(&seen, "health", 200) + 3,
        Duration::from_secs(90),
    );
    let recovered_in = back.elapsed();
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().unwrap();
    }
    let mut w = Arc::try_unwrap(w).ok().unwrap();
    let case = Arc::try_unwrap(case).ok().unwrap();
    assert!(w.server.is_running(), "the server process died");

    // What was refused is retried with the same bytes: each is stored (or was, after all,
    // if the refusal came after its commit), never twice.
    let http = w.server.http();
    let mut seen = Arc::try_unwrap(seen).ok().unwrap().into_inner().unwrap();
    for (doc, bytes) in std::mem::take(&mut seen.refused) {
        let r = http.put_bytes(&case.doc_path(&doc), bytes.clone(), &case.token);
        assert!(matches!(r.status, 200 | 201), "retry of {doc}: {r:?}");
        seen.receipts
            .push(r.json.unwrap()["receipt"].as_str().unwrap().to_owned());
        seen.stored.insert(doc, bytes);
    }

    // Nothing acknowledged is lost: every stored document is in the log with its hash,
    // downloads, and every receipt verifies against the final log.
    let entries = w.log_entries();
    let logged = logged_documents(&entries);
    for (doc, bytes) in &seen.stored {
        assert_eq!(
            logged.get(doc),
            Some(&support::sha256(bytes)),
            "document {doc} was acknowledged but is not in the log"
        );
    }
    w.check_documents(&logged);
    let verified = verify_receipts(&w.log_verifier(), &entries, &seen.receipts);
    w.audit();
    let log = w.server.log_text();
    assert!(!log.contains("status=500"), "a 500 was answered");
    let refusals = seen.replies[before_stop..]
        .iter()
        .filter(|r| r.1 == 503)
        .count();
    let slowest = seen.replies.iter().map(|r| r.2).max().unwrap_or_default();
    println!(
        "pg restart: down {down_for:.1?}, {refusals} × 503, recovered in {recovered_in:.1?}, slowest reply {slowest:.1?}, {} documents stored, {verified} receipts verified",
        seen.stored.len()
    );
}
