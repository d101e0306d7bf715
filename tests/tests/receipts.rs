//! Receipts and the audit through the real binaries, then a hostile operator who deletes,
//! alters, truncates, rewrites and forks the log, or forges an acknowledgement — each must
//! be caught by `amanat audit`, with a message that says what was found.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use amanat_protocol::log::entry::{Acknowledgement, Entry, Verdict};
use amanat_tests::tamper::sqlite_db;
use amanat_tests::{Backend, Cli, Foundation, Server, Staff, parse_submit, privacy};

struct World {
    foundation: Foundation,
    reviewer: Staff,
    server: Server,
}

fn world(backend: Backend) -> World {
    let foundation = Foundation::new();
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    let server = Server::start(&foundation.root_public, backend);
    foundation.set_log(&server);
    foundation.publish(&server);
    reviewer.login(&server, &foundation.fingerprint);
    World {
        foundation,
        reviewer,
        server,
    }
}

impl World {
    fn server_args(&self) -> Vec<String> {
        vec![
            "--server".into(),
            self.server.url.clone(),
            "--server-cert".into(),
            self.server.cert_sha256.clone(),
            "--root".into(),
            self.foundation.fingerprint.clone(),
        ]
    }

    /// A complainant sends a form and a power of attorney; returns (case id, stdout, receipts dir).
    fn submit(&self, with_poa: bool) -> (String, String, Cli) {
        let c = Cli::new();
        let form = serde_json::json!({"version": 1, "language": "en",
            "identity": {"surname": privacy::canary("Doe"), "given_name": "Jane"}});
        std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
        let poa = format!("%PDF-1.4 power of attorney {}", privacy::canary("passport"));
        std::fs::write(c.path("poa.pdf"), poa).unwrap();
        let mut args: Vec<String> = vec!["submit".into()];
        args.extend(self.server_args());
        args.extend([
            "--form".into(),
            "appeal.json".into(),
            "--receipt".into(),
            "receipts".into(),
        ]);
        if with_poa {
            args.extend(["--poa".into(), "poa.pdf".into()]);
        }
        let out = c.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        (parse_submit(&out).case_id, out, c)
    }

    fn poa_id(&self, case: &str) -> String {
        let detail = self
            .server
            .http()
            .get(&format!("/v1/cases/{case}"), Some(&self.reviewer.token()));
        let json = detail.json.unwrap();
        json["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "power-of-attorney")
            .unwrap()["document_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn audit(&self, cli: &Cli, state: Option<&str>) -> std::process::Output {
        let mut args: Vec<String> = vec!["audit".into(), "log".into()];
        args.extend(self.server_args());
        if let Some(s) = state {
            args.extend(["--state".into(), s.into()]);
        }
        args.push("--json".into());
        cli.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn receipts_flow(backend: Backend) {
    let w = world(backend);
    let (case, out, complainant) = w.submit(true);
    assert!(
        out.contains("Receipt for the appeal-form saved to"),
        "{out}"
    );
    let receipt = complainant.path("receipts/01-appeal-form.tlog-proof");
    let text = std::fs::read_to_string(&receipt).unwrap();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "), "{text}");

    // An auditor checks it online (consistency to the latest checkpoint) and offline.
    let auditor = Cli::new();
    std::fs::copy(&receipt, auditor.path("r.tlog-proof")).unwrap();
    let mut args = vec!["audit".to_owned(), "verify".into(), "r.tlog-proof".into()];
    args.extend(w.server_args());
    let ok = auditor.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        ok.contains("The receipt is valid") && ok.contains("consistency proof verified"),
        "{ok}"
    );
    std::fs::copy(
        w.foundation.admin.path("keyring.json"),
        auditor.path("keyring.json"),
    )
    .unwrap();
    let offline = auditor.ok(&[
        "audit",
        "verify",
        "r.tlog-proof",
        "--root",
        &w.foundation.fingerprint,
        "--keyring",
        "keyring.json",
    ]);
    assert!(
        offline.contains("document received: appeal-form"),
        "{offline}"
    );
    // A receipt with one altered byte in its entry fails.
    let forged = text.replacen("extra AQ", "extra AR", 1);
    std::fs::write(auditor.path("forged.tlog-proof"), forged).unwrap();
    let bad = auditor.run(&[
        "audit",
        "verify",
        "forged.tlog-proof",
        "--root",
        &w.foundation.fingerprint,
        "--keyring",
        "keyring.json",
    ]);
    assert!(!bad.status.success(), "a forged receipt verified");

    // The reviewer accepts the power of attorney; a second case lacks one.
    let poa = w.poa_id(&case);
    let ack = w.reviewer.cli.ok(&[
        "staff",
        "ack",
        &case,
        "--poa",
        &poa,
        "--accept",
        "--key",
        "staff.key",
        "--receipt",
        "ack.tlog-proof",
    ]);
    assert!(ack.contains("accepted"), "{ack}");
    w.submit(false);
    let (case3, _, _) = w.submit(true);
    let poa3 = w.poa_id(&case3);
    w.reviewer.cli.ok(&[
        "staff",
        "ack",
        &case3,
        "--poa",
        &poa3,
        "--reject",
        "2",
        "--key",
        "staff.key",
    ]);

    let audit = w.audit(&auditor, Some("state"));
    assert!(audit.status.success(), "{}", stderr(&audit));
    let figures: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    assert_eq!(figures["cases"], 3, "{figures}");
    assert_eq!(figures["cases_with_appeal_form"], 3);
    assert_eq!(figures["cases_with_power_of_attorney"], 2);
    assert_eq!(figures["cases_with_acknowledged_power_of_attorney"], 2);
    assert_eq!(figures["complete_cases"], 1);
    assert_eq!(figures["documents_by_kind"]["power-of-attorney"], 2);
    assert!(!figures["keyrings"].as_array().unwrap().is_empty());
    // A second run with the saved state proves the log only grew.
    w.submit(true);
    let again = w.audit(&auditor, Some("state"));
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn receipts_and_audit_sqlite() {
    receipts_flow(Backend::Sqlite);
}

#[test]
fn receipts_and_audit_postgres() {
    if let Some(pg) = Backend::postgres_from_env() {
        receipts_flow(pg);
    }
}

#[test]
fn tampering_is_detected() {
    if !amanat_tests::tamper::sqlite3_available() {
        return;
    }
    let w = world(Backend::Sqlite);
    let db = sqlite_db(&w.server.dir());
    for _ in 0..3 {
        w.submit(true);
    }
    let auditor_a = Cli::new();
    let clean = w.audit(&auditor_a, Some("state"));
    assert!(clean.status.success(), "{}", stderr(&clean));
    let original = db.entries();
    let n = original.len();
    assert!(n >= 7, "expected several entries, got {n}");

    // 1. A changed byte in one entry.
    let mut altered = original[2].clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    db.exec(&format!(
        "UPDATE log_entries SET entry = X'{}' WHERE idx = 2;",
        amanat_protocol::encoding::hex(&altered)
    ));
    let out = w.audit(&Cli::new(), None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("REWRITTEN"), "{}", stderr(&out));
    db.exec(&format!(
        "UPDATE log_entries SET entry = X'{}' WHERE idx = 2;",
        amanat_protocol::encoding::hex(&original[2])
    ));
    assert!(
        w.audit(&Cli::new(), None).status.success(),
        "restoring the byte should restore the log"
    );

    // 2. A deleted leaf row.
    db.exec("DELETE FROM log_entries WHERE idx = 3;");
    let out = w.audit(&Cli::new(), None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("LOG INTEGRITY FAILURE"),
        "{}",
        stderr(&out)
    );
    db.rewrite(&original);

    // 3. Truncated and re-signed: the server happily signs the shorter log; an auditor who
    //    kept state notices.
    db.rewrite(&original[..n - 2]);
    let out = w.audit(&auditor_a, Some("state"));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("TRUNCATED"), "{}", stderr(&out));

    // 4. Rewritten history of the same length, shown to a new auditor: it is self-consistent,
    //    but comparing the two auditors' saved checkpoints proves the fork.
    let mut forked = original.clone();
    // Two receipts of the last case, in the other order: every entry still valid.
    forked.swap(n - 1, n - 2);
    db.rewrite(&forked);
    let auditor_b = Cli::new();
    let b = w.audit(&auditor_b, Some("state"));
    assert!(
        b.status.success(),
        "the rewritten log is self-consistent: {}",
        stderr(&b)
    );
    let a_state = auditor_a.path("state");
    let b_state = auditor_b.path("state");
    let cmp = auditor_a.run(&[
        "audit",
        "compare",
        a_state.to_str().unwrap(),
        b_state.to_str().unwrap(),
        "--root",
        &w.foundation.fingerprint,
    ]);
    assert!(!cmp.status.success());
    assert!(stderr(&cmp).contains("FORKED"), "{}", stderr(&cmp));
    db.rewrite(&original);

    // 5. An acknowledgement signed by a key that is in no keyring, slipped into the log by the
    //    operator with a perfectly valid tree and checkpoint.
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let doc = match Entry::decode(&original[n - 1]).unwrap() {
        Entry::DocumentReceived(d) => d,
        other => panic!("expected a document entry, got {other:?}"),
    };
    let forged = Acknowledgement {
        case: doc.case,
        document: doc.document,
        sha256: doc.sha256,
        verdict: Verdict::Accepted,
        reviewer: stranger.verifying_key().to_bytes(),
        signed_at: doc.received_at,
    }
    .sign(&stranger);
    let mut with_forgery = original.clone();
    with_forgery.push(Entry::PoaAcknowledged(forged).encode());
    db.rewrite(&with_forgery);
    let out = w.audit(&Cli::new(), None);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("not a reviewer's")
            || stderr(&out).contains("not a reviewer's"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
}

/// A keyring naming another log would make every client reject this server's receipts after
/// their documents are stored: the server refuses it when it is published.
#[test]
fn a_keyring_naming_another_log_is_refused() {
    let w = world(Backend::Sqlite);
    let other = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let key = amanat_protocol::encoding::b64(other.verifying_key().as_bytes());
    w.foundation.admin.ok(&[
        "admin",
        "keyring",
        "set-log",
        "--root-key",
        "root.key",
        "--origin",
        &w.server.log_origin,
        "--key",
        &key,
    ]);
    let out = w.foundation.admin.run(&[
        "admin",
        "keyring",
        "publish",
        "--server",
        &w.server.url,
        "--server-cert",
        &w.server.cert_sha256,
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("another key or origin"),
        "{}",
        stderr(&out)
    );
    w.foundation.set_log(&w.server);
    w.foundation.publish(&w.server);
}
