//! The staff workspace (issue 12) in a real browser: the real `amanat-server` on 127.0.0.1
//! over TLS, the real `amanat staff ui` processes holding the reviewers' keys, Debian's
//! Chromium driven by `web/test/staff.mjs`; results checked with the real CLI (audit, inbox).
//! `AMANAT_REQUIRE_BROWSER=1` (CI) makes a missing Chromium or `web/node_modules` a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Stdio};

use amanat_tests::browser::{drive_with, ready, repo};
use amanat_tests::synthetic::{self, SynthCase};
use amanat_tests::{Backend, Cli, Foundation, Server, Staff, parse_submit, privacy};
use serde_json::{Value, json};

fn shots() -> PathBuf {
    repo().join("target/amanat-staff-ui")
}

/// How many complainants; `AMANAT_SYNTHETIC_CASES` overrides (e.g. 20 for a quick run).
fn case_count() -> usize {
    std::env::var("AMANAT_SYNTHETIC_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

/// A running `amanat staff ui`: its one-time link, killed on drop.
struct Workspace {
    child: Child,
    link: String,
    base: String,
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn workspace(staff: &Staff, extra: &[&str]) -> Workspace {
    let mut child = staff
        .cli
        .cmd()
        .args([
            "staff",
            "ui",
            "--key",
            "staff.key",
            "--no-open",
            "--lang",
            "ru",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let link = line
        .trim()
        .strip_prefix("Staff workspace: ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    // Keep reading, so what the workspace prints later (a download's files) has somewhere to go.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = out.read_to_string(&mut sink);
    });
    let base = link.split("/login").next().unwrap().to_owned();
    Workspace { child, link, base }
}

fn srv(server: &Server, foundation: &Foundation) -> Vec<String> {
    vec![
        "--server".into(),
        server.url.clone(),
        "--server-cert".into(),
        server.cert_sha256.clone(),
        "--root".into(),
        foundation.fingerprint.clone(),
    ]
}

fn audit(server: &Server, foundation: &Foundation) -> Value {
    let mut args = vec!["audit".to_owned(), "log".into(), "--json".into()];
    args.extend(srv(server, foundation));
    let out = Cli::new().ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    serde_json::from_str(&out).unwrap()
}

fn staff_drive(plan: Value) -> Value {
    let v = drive_with("web/test/staff.mjs", &plan, |_| {});
    assert_eq!(v["consoleErrors"], json!([]), "{v:#}");
    v
}

/// A reviewer triages 150 synthetic cases in the workspace: finds those missing a power of
/// attorney, accepts the rest in one batch (the auditor's count moves by exactly that many),
/// replies to one complainant (who reads it with the CLI), exports the annex. Then the
/// workspace refuses requests without its cookie, from another Host or another Origin.
#[test]
fn a_reviewer_triages_150_cases_in_the_workspace() {
    if !ready() {
        return;
    }
    let foundation = Foundation::new();
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    let server = Server::start(&foundation.root_public, Backend::Sqlite);
    foundation.set_log(&server);
    foundation.publish(&server);
    reviewer.login(&server, &foundation.fingerprint);
    let args = srv(&server, &foundation);

    let cases: Vec<SynthCase> = synthetic::generate(case_count(), 0x5354_4146_4655);
    let submitted = synthetic::parallel(&cases, |c| synthetic::submit(&args, c));
    let missing: BTreeSet<String> = cases
        .iter()
        .zip(&submitted)
        .filter(|(c, _)| !c.poa)
        .map(|(_, s)| s.case_id.clone())
        .collect();
    let with_poa = cases.len() - missing.len();
    assert!(!missing.is_empty() && with_poa > 0);
    assert_eq!(
        audit(&server, &foundation)["cases_with_acknowledged_power_of_attorney"],
        0
    );

    let ws = workspace(&reviewer, &[]);
    let reply = privacy::canary("Заседание назначено");
    let label = privacy::canary("суд");
    let annex = reviewer.cli.path("annex");
    let named = cases
        .iter()
        .zip(&submitted)
        .find(|(c, _)| c.form.is_some())
        .unwrap();
    let v = staff_drive(json!({
        "mode": "triage", "url": ws.link, "shots": shots(), "reply": reply,
        "folder": annex, "search": named.0.full_name, "labels": [label, "срочно"],
    }));
    assert_eq!(v["total"], cases.len(), "{v:#}");
    assert_eq!(v["missingPoa"], missing.len(), "{v:#}");
    let listed: BTreeSet<String> = v["missingPoaIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, missing);
    assert!(
        v["searchHits"]
            .as_array()
            .unwrap()
            .contains(&json!(named.1.case_id)),
        "{v:#}"
    );
    assert_eq!(v["focusMoved"], true);
    assert_eq!(v["notAcknowledged"], with_poa, "{v:#}");
    assert_eq!(v["notAcknowledgedAfter"], 0, "{v:#}");
    assert!(
        v["ackNotice"]
            .as_str()
            .unwrap()
            .contains(&format!("{with_poa}")),
        "{v:#}"
    );
    assert!(v["formRows"].as_u64().unwrap() > 3, "{v:#}");
    // Labels are sealed to the reviewers; the list filters by them.
    assert_eq!(v["labelsSaved"], format!("{label}, срочно"), "{v:#}");
    assert_eq!(v["labelled"], json!([v["caseId"]]), "{v:#}");
    // The auditor, reading only the log, sees every acknowledgement the page made.
    let figures = audit(&server, &foundation);
    assert_eq!(
        figures["cases_with_acknowledged_power_of_attorney"], with_poa,
        "{figures:#}"
    );
    assert_eq!(figures["problems"], json!([]));
    for f in ["annex.md", "annex.csv", "annex.html", "figures.json"] {
        assert!(annex.join(f).exists(), "{f} was not exported");
    }

    // The complainant the reviewer answered reads the reply with their codename.
    let case = v["caseId"].as_str().unwrap();
    let who = submitted.iter().find(|s| s.case_id == case).unwrap();
    let device = Cli::new();
    let mut inbox = device
        .cmd()
        .arg("inbox")
        .args(&args)
        .arg("--codename-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(inbox.stdin.take().unwrap(), "{}", who.codename).unwrap();
    let read = inbox.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&read.stdout).contains(&reply),
        "{}",
        String::from_utf8_lossy(&read.stdout)
    );

    // What the workspace refuses. The cookie the browser got, as a reviewer's own requests
    // would carry it: right Host and cookie work; anything else is refused with JSON.
    let cookie = v["cookie"].as_str().unwrap().to_owned();
    let host = ws.base.trim_start_matches("http://").to_owned();
    amanat_tests::install_crypto_provider();
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let get = |path: &str, cookie: Option<&str>, host: &str| {
        let mut r = http.get(format!("{}{path}", ws.base)).header("Host", host);
        if let Some(c) = cookie {
            r = r.header("Cookie", format!("amanat-ui={c}"));
        }
        let res = r.send().unwrap();
        let status = res.status().as_u16();
        (status, res.text().unwrap())
    };
    assert_eq!(get("/api/state", Some(&cookie), &host).0, 200);
    let (status, body) = get("/api/cases", None, &host);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("\"no_session\""), "{body}");
    assert_eq!(get("/api/cases", Some("forged"), &host).0, 401);
    assert_eq!(get("/", None, &host).0, 401);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    let port = host.rsplit(':').next().unwrap();
    let (status, body) = get("/api/cases", Some(&cookie), &format!("evil.example:{port}"));
    assert_eq!(status, 421, "{body}");
    assert!(body.contains("\"wrong_host\""), "{body}");
    // The link works once.
    let (status, body) = get(
        &format!("/login{}", ws.link.split("/login").nth(1).unwrap()),
        None,
        &host,
    );
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("\"link_used\""), "{body}");
    // A change from another origin, or without one, or not JSON, is refused.
    let post = |origin: Option<&str>, content_type: &str| {
        let mut r = http
            .post(format!("{}/api/cases/{case}/status", ws.base))
            .header("Cookie", format!("amanat-ui={cookie}"))
            .header("Content-Type", content_type)
            .body(r#"{"status":"closed","version":424242}"#);
        if let Some(o) = origin {
            r = r.header("Origin", o);
        }
        let res = r.send().unwrap();
        (res.status().as_u16(), res.text().unwrap())
    };
    let (status, body) = post(Some("http://evil.example"), "application/json");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("\"wrong_origin\""), "{body}");
    assert_eq!(post(None, "application/json").0, 403);
    assert_eq!(post(Some(&ws.base), "text/plain").0, 415);
    // Hostile bodies and ids: clean 4xx, and the workspace goes on.
    assert_eq!(post(Some(&ws.base), "application/json").0, 409);
    let (status, _) = get("/api/cases/not-a-case", Some(&cookie), &host);
    assert_eq!(status, 400);
    let (status, _) = get("/nothing-here", Some(&cookie), &host);
    assert_eq!(status, 404);
    assert_eq!(get("/api/state", Some(&cookie), &host).0, 200);
}

fn small_world(reviewers: &[&str]) -> (Foundation, Vec<Staff>, Server) {
    let foundation = Foundation::new();
    let staff: Vec<Staff> = reviewers
        .iter()
        .map(|id| foundation.add_staff(id, "reviewer"))
        .collect();
    let server = Server::start(&foundation.root_public, Backend::Sqlite);
    foundation.set_log(&server);
    foundation.publish(&server);
    for s in &staff {
        s.login(&server, &foundation.fingerprint);
    }
    (foundation, staff, server)
}

fn submit_named(server: &Server, foundation: &Foundation, surname: &str) -> String {
    let c = Cli::new();
    let form = json!({"version": 1, "language": "ru",
        "identity": {"surname": surname, "given_name": "Ерлан"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    let mut args = vec!["submit".to_owned()];
    args.extend(srv(server, foundation));
    args.extend(["--form".into(), "appeal.json".into()]);
    parse_submit(&c.ok(&args.iter().map(String::as_str).collect::<Vec<_>>())).case_id
}

/// Two reviewers in two browsers change one case's status from the same version: one wins,
/// the other is told who changed what and when, reloads, and decides again.
#[test]
fn two_reviewers_race_on_a_status_in_the_workspace() {
    if !ready() {
        return;
    }
    let (foundation, staff, server) = small_world(&["aigerim", "bolat"]);
    let case = submit_named(&server, &foundation, &privacy::canary("Гонка"));
    // Joins after the case was sent, so holds no grant for it until someone shares.
    let dana = foundation.add_staff("dana", "reviewer");
    foundation.publish(&server);
    dana.login(&server, &foundation.fingerprint);
    let a = workspace(&staff[0], &[]);
    let b = workspace(&staff[1], &[]);
    let v = staff_drive(json!({
        "mode": "race", "urls": [a.link, b.link], "case": case, "shots": shots(),
        "colleague": "dana",
    }));
    let conflict = v["conflict"].as_str().unwrap();
    assert!(
        conflict.contains("aigerim") && conflict.contains("in-review"),
        "{v:#}"
    );
    assert_eq!(v["reloadedStatus"], "in-review", "{v:#}");
    let detail = server
        .http()
        .get(&format!("/v1/cases/{case}"), Some(&staff[1].token()));
    assert_eq!(detail.json.unwrap()["status"], "needs-info");
    // aigerim shared everything she holds with dana from the workspace; dana can now open it.
    assert!(v["rekeyNotice"].as_str().unwrap().contains('1'), "{v:#}");
    dana.cli
        .ok(&["staff", "open", &case, "--out", "d", "--key", "staff.key"]);
}

/// After the idle time the workspace drops the key and everything decrypted: the page shows
/// only the passphrase prompt, holds no name, and the process answers 423 until unlocked.
#[test]
fn the_workspace_locks_itself_and_forgets() {
    if !ready() {
        return;
    }
    let (foundation, staff, server) = small_world(&["aigerim"]);
    let surname = privacy::canary("Замок");
    let case = submit_named(&server, &foundation, &surname);
    let ws = workspace(&staff[0], &["--idle-lock", "4s"]);
    let v = staff_drive(json!({
        "mode": "lock", "url": ws.link, "case": case, "name": surname,
        "passphrase": amanat_tests::PASSPHRASE, "shots": shots(),
    }));
    assert_eq!(v["sawName"], true, "{v:#}");
    assert_eq!(v["nameAfterLock"], false, "{v:#}");
    assert_eq!(v["apiAfterLock"], 423, "{v:#}");
    assert!(
        v["lockedText"].as_str().unwrap().contains("Заблокировано"),
        "{v:#}"
    );
    assert!(!v["wrongPassphrase"].as_str().unwrap().is_empty(), "{v:#}");
    assert_eq!(v["afterUnlock"], 1, "{v:#}");
}
