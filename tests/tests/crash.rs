//! Crashes under load (issue 6, "Faults"): 50 clients upload at once (raw single-request
//! `PUT`s, raw resumable uploads, and real `amanat submit` processes keeping their
//! receipts) while the server is killed with SIGKILL at random moments and started again on
//! the same data directory, round after round. The clients reach it through a proxy whose
//! address survives the restarts, and retry as a real client would (or, for some `PUT`s,
//! give up, as a person might, leaving the server an orphan blob).
//!
//! Afterwards: every receipt any client was given verifies against the final log, the log
//! passes `amanat audit log`, every document the reviewer can list downloads with the
//! SHA-256 the log recorded, and after a restart with a short grace period the blob
//! directory holds exactly the blobs of the logged documents (the orphans are collected).
//!
//! `AMANAT_CRASH_ROUNDS` sets the number of kills (default 20); `AMANAT_CRASH_SEED` repeats
//! a run's random choices (printed at the start).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use amanat_protocol::DocumentId;
use amanat_tests::faults::Proxy;
use amanat_tests::http::Client;
use amanat_tests::{Backend, Cli, ServerOptions};
use reqwest::blocking::RequestBuilder;
use serde_json::Value;
use support::{Case, World, hex, logged_documents, sealed, sha256, verify_receipts};

/// Clients in flight at once: raw uploaders plus `amanat submit` processes.
const CLIENTS: usize = 50;
const CLI_CLIENTS: usize = 3;
/// Cases the raw uploaders share (each made through the CLI, which costs an Argon2id).
const CASES: usize = 4;
/// How long a client keeps retrying one operation before the test calls it stuck.
const GIVE_UP: Duration = Duration::from_secs(180);

/// A tiny xorshift: the test's randomness, repeatable from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What all clients saw.
#[derive(Default)]
struct Outcome {
    /// Receipts handed to raw clients, with the document and hash they are for.
    receipts: Vec<(DocumentId, [u8; 32], String)>,
    /// Answers no client should ever get (a 5xx, an unexpected refusal).
    unexpected: Vec<String>,
    /// Transport errors (connections cut by a kill), for the summary.
    cut: usize,
    /// `503` answers (no database connection free in time on a busy machine), retried as
    /// their `Retry-After` asks.
    busy: usize,
    /// `PUT`s given up after a cut: the server may or may not have stored them.
    abandoned: usize,
    /// `amanat submit` runs that finished, and that failed (cut off by a kill).
    cli_ok: usize,
    cli_failed: usize,
}

struct Shared {
    proxy_url: String,
    /// `amanat submit …` through the proxy, receipts kept in `receipts/`.
    submit_args: Vec<String>,
    cert: PathBuf,
    stop: AtomicBool,
    in_flight: AtomicUsize,
    outcome: Mutex<Outcome>,
}

impl Shared {
    fn note(&self, what: String) {
        self.outcome.lock().unwrap().unexpected.push(what);
    }
    fn cut(&self) {
        self.outcome.lock().unwrap().cut += 1;
    }
    fn busy(&self) {
        self.outcome.lock().unwrap().busy += 1;
    }
}

/// Sends without panicking: a killed server is an `Err`.
fn try_send(rb: RequestBuilder) -> Result<(u16, Option<Value>), String> {
    let resp = rb.send().map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.bytes().map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_slice(&body).ok()))
}

fn pause(rng: &mut Rng) {
    thread::sleep(Duration::from_millis(100 + rng.below(300)));
}

/// One `PUT`, retried with the same id and bytes after a cut, or (sometimes) given up.
fn put_once(s: &Shared, http: &Client, case: &Case, rng: &mut Rng) {
    let doc = DocumentId::random();
    let bytes = sealed(&case.keys, 1 + rng.below(24_000) as usize, rng.next());
    let started = Instant::now();
    loop {
        let rb = http
            .request("PUT", &case.doc_path(&doc))
            .bearer_auth(&case.token)
            .header("content-type", "application/octet-stream")
            .body(bytes.clone());
        match try_send(rb) {
            Ok((200 | 201, Some(json))) => {
                let receipt = json["receipt"].as_str().unwrap_or_default().to_owned();
                s.outcome
                    .lock()
                    .unwrap()
                    .receipts
                    .push((doc, sha256(&bytes), receipt));
                return;
            }
            Ok((503, _)) => {
                s.busy();
                pause(rng);
            }
            Ok((status, body)) => {
                s.note(format!("PUT {doc}: {status} {body:?}"));
                return;
            }
            Err(_) => {
                s.cut();
                if !s.stop.load(Ordering::SeqCst) && rng.below(3) == 0 {
                    s.outcome.lock().unwrap().abandoned += 1;
                    return;
                }
                if started.elapsed() > GIVE_UP {
                    s.note(format!("PUT {doc}: no answer for {GIVE_UP:?}"));
                    return;
                }
                pause(rng);
            }
        }
    }
}

/// One resumable upload in two or three chunks, resumed from the server's offset after
/// every cut, until it is finished.
fn resumable_once(s: &Shared, http: &Client, case: &Case, rng: &mut Rng) {
    let doc = DocumentId::random();
    let bytes = sealed(&case.keys, 20_000 + rng.below(60_000) as usize, rng.next());
    let sha = sha256(&bytes);
    let chunk = bytes.len() / 3 + 1;
    let mut upload: Option<String> = None;
    let started = Instant::now();
    loop {
        if started.elapsed() > GIVE_UP {
            s.note(format!("resumable {doc}: not finished after {GIVE_UP:?}"));
            return;
        }
        // Where is the server? A new upload, or the state of ours.
        let (status, body) = match &upload {
            None => try_send(
                http.request("POST", &format!("/v1/cases/{}/uploads", case.id))
                    .bearer_auth(&case.token)
                    .json(&serde_json::json!({"document_id": doc, "kind": "attachment", "length": bytes.len()})),
            ),
            Some(id) => try_send(
                http.request("GET", &format!("/v1/uploads/{id}"))
                    .bearer_auth(&case.token),
            ),
        }
        .unwrap_or((0, None));
        let mut offset = match (status, &body) {
            (0, _) => {
                s.cut();
                pause(rng);
                continue;
            }
            (503, _) => {
                s.busy();
                pause(rng);
                continue;
            }
            (200 | 201, Some(b)) => {
                upload = Some(b["upload_id"].as_str().unwrap().to_owned());
                b["offset"].as_u64().unwrap() as usize
            }
            // Finished (its answer was lost): the finish below answers again.
            (404, _) if upload.is_some() => bytes.len(),
            _ => {
                s.note(format!("resumable {doc}: {status} {body:?}"));
                return;
            }
        };
        let id = upload.clone().unwrap();
        let mut cut = false;
        while offset < bytes.len() {
            let end = (offset + chunk).min(bytes.len());
            let r = try_send(
                http.request("PATCH", &format!("/v1/uploads/{id}"))
                    .bearer_auth(&case.token)
                    .header("content-type", "application/offset+octet-stream")
                    .header("upload-offset", offset.to_string())
                    .body(bytes[offset..end].to_vec()),
            );
            match r {
                Ok((204, _)) => offset = end,
                // Someone (our own earlier request) got further, or still holds it.
                Ok((409, Some(b))) if b["error"] == "offset_mismatch" => {
                    offset = b["offset"].as_u64().unwrap() as usize;
                }
                Ok((409, Some(b))) if b["error"] == "upload_busy" => {
                    pause(rng);
                    cut = true;
                    break;
                }
                Ok((503, _)) => {
                    s.busy();
                    pause(rng);
                    cut = true;
                    break;
                }
                Ok((status, body)) => {
                    s.note(format!("PATCH {doc}: {status} {body:?}"));
                    return;
                }
                Err(_) => {
                    s.cut();
                    pause(rng);
                    cut = true;
                    break;
                }
            }
        }
        if cut {
            continue;
        }
        let r = try_send(
            http.request("POST", &format!("/v1/uploads/{id}/finish"))
                .bearer_auth(&case.token)
                .json(&serde_json::json!({"sha256": hex(&sha)})),
        );
        match r {
            Ok((200 | 201, Some(json))) => {
                let receipt = json["receipt"].as_str().unwrap_or_default().to_owned();
                s.outcome.lock().unwrap().receipts.push((doc, sha, receipt));
                return;
            }
            // A crash lost bytes that were not yet durable: send the rest.
            Ok((400, Some(b))) if b["error"] == "incomplete" => {}
            Ok((503, _)) => {
                s.busy();
                pause(rng);
            }
            Ok((status, body)) => {
                s.note(format!("finish {doc}: {status} {body:?}"));
                return;
            }
            Err(_) => {
                s.cut();
                pause(rng);
            }
        }
    }
}

fn raw_client(s: &Shared, cases: &[Case], i: usize, seed: u64) {
    let mut rng = Rng(seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let http = Client::new(&s.proxy_url, &s.cert);
    let case = &cases[i % cases.len()];
    while !s.stop.load(Ordering::SeqCst) {
        s.in_flight.fetch_add(1, Ordering::SeqCst);
        if rng.below(4) == 0 {
            resumable_once(s, &http, case, &mut rng);
        } else {
            put_once(s, &http, case, &mut rng);
        }
        s.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `amanat submit --receipt DIR` again and again; each run's home (and its receipts)
/// is kept for the end.
fn cli_client(s: &Shared, homes: &Mutex<Vec<Cli>>) {
    while !s.stop.load(Ordering::SeqCst) {
        let cli = Cli::new();
        support::write_form(&cli);
        let mut child: Child = cli
            .cmd()
            .args(&s.submit_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        s.in_flight.fetch_add(1, Ordering::SeqCst);
        let started = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break Some(st);
            }
            if started.elapsed() > GIVE_UP {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            thread::sleep(Duration::from_millis(50));
        };
        s.in_flight.fetch_sub(1, Ordering::SeqCst);
        {
            let mut o = s.outcome.lock().unwrap();
            match status {
                Some(st) if st.success() => o.cli_ok += 1,
                _ => o.cli_failed += 1,
            }
        }
        homes.lock().unwrap().push(cli);
    }
}

/// The receipt files every `amanat submit` run kept, as (file, text).
fn cli_receipts(homes: &[Cli]) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for cli in homes {
        for p in support::files_under(&cli.path("receipts")) {
            if p.extension().is_some_and(|e| e == "tlog-proof") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    out
}

/// Blob files at their content address, by name.
fn blob_names(dir: &Path) -> BTreeSet<String> {
    support::files_under(dir)
        .into_iter()
        .filter(|p| {
            let rel = p.strip_prefix(dir).unwrap();
            let first = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            first.len() == 2 && rel.components().count() == 2
        })
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
        .unwrap_or(default)
}

#[test]
fn crash_rounds_keep_receipts_log_and_blobs_consistent() {
    let started = Instant::now();
    let rounds = env_number("AMANAT_CRASH_ROUNDS", 20);
    let seed = env_number(
        "AMANAT_CRASH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    ) | 1;
    println!("crash: {rounds} rounds, AMANAT_CRASH_SEED={seed}");
    let mut rng = Rng(seed);

    let mut w = World::new(
        ServerOptions {
            backend: Backend::Sqlite,
            max_document_bytes: None,
            session_ttl_secs: None,
        },
        // Proof-of-work is not what this test is about: the cheapest puzzles, so that the
        // `amanat submit` runs spend their time uploading, not hashing, however busy it is.
        &[("AMANAT_POW_BITS", "0")],
    );
    let cases: Vec<Case> = (0..CASES).map(|_| w.new_case()).collect();
    let proxy = Proxy::for_url(&w.server.url);
    let shared = Arc::new(Shared {
        submit_args: w.submit_args(&Cli::new(), &proxy.url()),
        proxy_url: proxy.url(),
        cert: w.server.dir().join("tls/cert.pem"),
        stop: AtomicBool::new(false),
        in_flight: AtomicUsize::new(0),
        outcome: Mutex::new(Outcome::default()),
    });
    let cases = Arc::new(cases);
    let homes: Arc<Mutex<Vec<Cli>>> = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for i in 0..CLIENTS - CLI_CLIENTS {
        let (s, cases) = (shared.clone(), cases.clone());
        threads.push(thread::spawn(move || raw_client(&s, &cases, i, seed)));
    }
    for _ in 0..CLI_CLIENTS {
        let (s, homes) = (shared.clone(), homes.clone());
        threads.push(thread::spawn(move || cli_client(&s, &homes)));
    }

    // The rounds: let the clients get going, kill the server at a random moment, start it
    // again on the same data directory and point the proxy at its new port.
    let mut busiest = 0;
    let mut quietest = usize::MAX;
    for _ in 0..rounds {
        thread::sleep(Duration::from_millis(400 + rng.below(2000)));
        let n = shared.in_flight.load(Ordering::SeqCst);
        busiest = busiest.max(n);
        quietest = quietest.min(n);
        w.server.restart();
        proxy.set_upstream_url(&w.server.url);
    }
    let crashed_at = started.elapsed();

    // Let every client finish what it is doing (retrying against the live server).
    shared.stop.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().unwrap();
    }
    let outcome = std::mem::take(&mut *shared.outcome.lock().unwrap());
    assert!(
        outcome.unexpected.is_empty(),
        "answers no client should get:\n{}",
        outcome.unexpected.join("\n")
    );
    let homes = std::mem::take(&mut *homes.lock().unwrap());
    let cli_receipts = cli_receipts(&homes);

    // Orphans: blobs no logged document has. One more is planted, as a crash between the
    // rename and the commit would leave it, to be sure the collector has work.
    let blob_dir = w.server.dir().join("blobs");
    let entries = w.log_entries();
    let logged = logged_documents(&entries);
    let logged_names: BTreeSet<String> = logged.values().map(|h| hex(h)).collect();
    let planted_bytes = format!("orphan {seed}").into_bytes();
    let planted = hex(&sha256(&planted_bytes));
    std::fs::create_dir_all(blob_dir.join(&planted[..2])).unwrap();
    std::fs::write(blob_dir.join(&planted[..2]).join(&planted), &planted_bytes).unwrap();
    let before = blob_names(&blob_dir);
    let orphans: BTreeSet<String> = before.difference(&logged_names).cloned().collect();
    let missing: Vec<_> = logged_names.difference(&before).collect();
    assert!(
        missing.is_empty(),
        "logged documents without a blob: {missing:?}"
    );

    // A last restart with a 1 s grace period (the upload TTL) collects them.
    w.server
        .env
        .push(("AMANAT_UPLOAD_TTL_SECS".into(), "1".into()));
    thread::sleep(Duration::from_millis(2100));
    w.server.restart();
    let after = blob_names(&blob_dir);
    assert_eq!(
        after, logged_names,
        "after collection the blobs must be exactly the logged documents'"
    );
    let collected = before.len() - after.len();
    assert_eq!(collected, orphans.len());
    assert!(
        w.server.log_text().contains("orphan blobs collected"),
        "the server did not report the collection"
    );
    assert!(support::files_under(&blob_dir.join("tmp")).is_empty());

    // Every receipt a client was given verifies against the final log, and names the
    // document and hash the client sent.
    let entries = w.log_entries();
    let logged = logged_documents(&entries);
    let mut receipts: Vec<String> = Vec::new();
    for (doc, sha, receipt) in &outcome.receipts {
        assert_eq!(
            logged.get(doc),
            Some(sha),
            "acknowledged document {doc} is not in the log"
        );
        assert!(
            !receipt.is_empty(),
            "document {doc} was acknowledged without a receipt"
        );
        receipts.push(receipt.clone());
    }
    receipts.extend(cli_receipts.iter().map(|(_, t)| t.clone()));
    let verified = verify_receipts(&w.log_verifier(), &entries, &receipts);
    // And through the real CLI, online (consistency with the current checkpoint), for the
    // CLI's own receipt files and a sample of the raw clients'.
    let auditor = Cli::new();
    let mut cli_checked = 0;
    for (i, (path, _)) in cli_receipts.iter().enumerate().take(12) {
        let name = format!("cli-{i}.tlog-proof");
        std::fs::copy(path, auditor.path(&name)).unwrap();
        w.cli_verify(&auditor, &name);
        cli_checked += 1;
    }
    for (i, (_, _, receipt)) in outcome
        .receipts
        .iter()
        .enumerate()
        .step_by((outcome.receipts.len() / 8).max(1))
    {
        let name = format!("raw-{i}.tlog-proof");
        std::fs::write(auditor.path(&name), receipt).unwrap();
        w.cli_verify(&auditor, &name);
        cli_checked += 1;
    }

    // The log is consistent, and every listed document is whole.
    let figures = w.audit();
    let documents = w.check_documents(&logged_documents(&w.log_entries()));
    assert!(
        w.server
            .log_text()
            .lines()
            .all(|l| !l.contains("status=500")),
        "the server answered 500"
    );
    println!(
        "crash: {rounds} rounds, {verified} receipts verified, {} orphans collected",
        collected
    );
    println!(
        "crash: {documents} documents, {} entries, {} cases; clients in flight at the kills {quietest}..{busiest}; \
         {} cut requests, {} × 503 retried, {} PUTs abandoned, submit runs {} ok / {} cut, {cli_checked} receipts checked by `amanat audit verify`; \
         rounds took {crashed_at:.1?}, all {:.1?}",
        entries.len(),
        figures["cases"],
        outcome.cut,
        outcome.busy,
        outcome.abandoned,
        outcome.cli_ok,
        outcome.cli_failed,
        started.elapsed()
    );
}
