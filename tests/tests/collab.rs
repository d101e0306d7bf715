//! Working together, through the real binaries: a complainant comes back with only the
//! codename, reviewers race on a status, late joiners need a share, removed reviewers lose
//! everything, auditors read nothing, and notes stay among reviewers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::Stdio;

use amanat_tests::tamper::sqlite_db;
use amanat_tests::{Backend, Cli, Foundation, Server, Staff, parse_submit, privacy};

struct World {
    foundation: Foundation,
    alice: Staff,
    bob: Staff,
    server: Server,
}

fn world(backend: Backend) -> World {
    let foundation = Foundation::new();
    let alice = foundation.add_staff("alice", "reviewer");
    let bob = foundation.add_staff("bob", "reviewer");
    let server = Server::start(&foundation.root_public, backend);
    foundation.set_log(&server);
    foundation.publish(&server);
    alice.login(&server, &foundation.fingerprint);
    bob.login(&server, &foundation.fingerprint);
    World {
        foundation,
        alice,
        bob,
        server,
    }
}

impl World {
    fn srv(&self) -> Vec<String> {
        vec![
            "--server".into(),
            self.server.url.clone(),
            "--server-cert".into(),
            self.server.cert_sha256.clone(),
            "--root".into(),
            self.foundation.fingerprint.clone(),
        ]
    }

    fn submit(&self) -> (String, String) {
        let c = Cli::new();
        let form = serde_json::json!({"version": 1, "language": "ru",
            "identity": {"surname": privacy::canary("Тест"), "given_name": "Ерлан"}});
        std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
        let mut args = vec!["submit".to_owned()];
        args.extend(self.srv());
        args.extend(["--form".into(), "appeal.json".into()]);
        let out = c.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let s = parse_submit(&out);
        (s.case_id, s.codename)
    }

    /// Runs a CLI command that reads stdin, in a fresh HOME.
    fn with_stdin(&self, cli: &Cli, args: &[String], stdin: &str) -> std::process::Output {
        let mut child = cli
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
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn collaboration(backend: Backend) {
    let w = world(backend);
    let (case, codename) = w.submit();
    // What reviewers write is content too: no server log may hold it.
    privacy::content("secret-note-for-reviewers-only");
    privacy::content("Hearing on 12 May");

    // Concurrent status changes from the same seen version: exactly one wins.
    let version = {
        let cases = w.alice.cli.ok(&["staff", "cases"]);
        assert!(cases.contains(&case), "{cases}");
        let detail = w
            .server
            .http()
            .get(&format!("/v1/cases/{case}"), Some(&w.alice.token()));
        detail.json.unwrap()["version"].as_i64().unwrap()
    };
    let v = version.to_string();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| {
            w.alice
                .cli
                .run(&["staff", "status", &case, "in-review", "--version", &v])
        });
        let b = s.spawn(|| {
            w.bob
                .cli
                .run(&["staff", "status", &case, "needs-info", "--version", &v])
        });
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(
        [a.status.success(), b.status.success()]
            .iter()
            .filter(|ok| **ok)
            .count(),
        1,
        "exactly one change must win:\n{}\n{}",
        text(&a),
        text(&b)
    );
    let loser = if a.status.success() { &b } else { &a };
    let loser_text = text(loser);
    assert!(
        loser_text.contains("not changed")
            && (loser_text.contains("alice") || loser_text.contains("bob")),
        "{loser_text}"
    );

    // Assignment, a note among reviewers, a reply to the complainant.
    w.alice.cli.ok(&["staff", "assign", &case, "--to", "bob"]);
    let note = w.with_stdin(
        &w.alice.cli,
        &[
            "staff".into(),
            "note".into(),
            case.clone(),
            "--key".into(),
            "staff.key".into(),
        ],
        "secret-note-for-reviewers-only\n",
    );
    assert!(note.status.success(), "{}", text(&note));
    let reply = w.with_stdin(
        &w.bob.cli,
        &[
            "staff".into(),
            "reply".into(),
            case.clone(),
            "--key".into(),
            "staff.key".into(),
        ],
        "We received your appeal. Hearing on 12 May.\n",
    );
    assert!(reply.status.success(), "{}", text(&reply));
    let opened = w.bob.cli.ok(&[
        "staff",
        "open",
        &case,
        "--out",
        "case",
        "--key",
        "staff.key",
    ]);
    assert!(
        opened.contains("secret-note-for-reviewers-only"),
        "{opened}"
    );
    assert!(
        opened.contains("Activity on this case") && opened.contains("alice"),
        "{opened}"
    );

    // The complainant, on a fresh device with only the codename, reads the reply — not the note.
    let device = Cli::new();
    let mut args = vec!["inbox".to_owned()];
    args.extend(w.srv());
    args.push("--codename-stdin".into());
    let inbox = w.with_stdin(&device, &args, &format!("{codename}\n"));
    let inbox_text = text(&inbox);
    assert!(inbox.status.success(), "{inbox_text}");
    assert!(inbox_text.contains("Hearing on 12 May"), "{inbox_text}");
    assert!(
        !inbox_text.contains("secret-note"),
        "the complainant saw a reviewers' note"
    );
    let leftovers: Vec<_> = std::fs::read_dir(device.home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "tmp")
        .collect();
    assert!(leftovers.is_empty(), "inbox wrote {leftovers:?} into HOME");

    // The complainant adds the power of attorney weeks later, with the codename.
    std::fs::write(device.path("poa.pdf"), b"%PDF-1.4 later").unwrap();
    let mut args = vec!["submit".to_owned()];
    args.extend(w.srv());
    args.extend(["--codename-stdin".into(), "--poa".into(), "poa.pdf".into()]);
    let added = w.with_stdin(&device, &args, &format!("{codename}\n"));
    assert!(added.status.success(), "{}", text(&added));
    assert!(
        w.alice
            .cli
            .ok(&["staff", "cases"])
            .lines()
            .any(|l| l.starts_with(&case) && l.contains("power-of-attorney"))
    );

    // A reviewer who joined later cannot open the case until it is shared.
    let carol = w.foundation.add_staff("carol", "reviewer");
    w.foundation.publish(&w.server);
    carol.login(&w.server, &w.foundation.fingerprint);
    let denied = carol
        .cli
        .run(&["staff", "open", &case, "--out", "c1", "--key", "staff.key"]);
    assert!(
        !denied.status.success() && text(&denied).contains("not_found"),
        "{}",
        text(&denied)
    );
    // Nor see it listed: the list shows only the cases shared with a reviewer...
    assert!(
        !carol.cli.ok(&["staff", "cases"]).contains(&case),
        "a case not shared with carol is listed to her"
    );
    // ...unless the keyring also makes them a coordinator, who lists every case to assign
    // and share it, and still opens only what is shared with them.
    let cora = w.foundation.add_staff("cora", "reviewer,coordinator");
    w.foundation.publish(&w.server);
    cora.login(&w.server, &w.foundation.fingerprint);
    assert!(cora.cli.ok(&["staff", "cases"]).contains(&case));
    let not_hers = cora
        .cli
        .run(&["staff", "open", &case, "--out", "k1", "--key", "staff.key"]);
    assert!(
        !not_hers.status.success() && text(&not_hers).contains("not_found"),
        "{}",
        text(&not_hers)
    );
    w.alice.cli.ok(&[
        "staff",
        "share",
        &case,
        "--to",
        "carol",
        "--key",
        "staff.key",
    ]);
    carol
        .cli
        .ok(&["staff", "open", &case, "--out", "c2", "--key", "staff.key"]);
    assert!(carol.cli.ok(&["staff", "cases"]).contains(&case));
    // rekey shares everything alice can open with dave.
    let (case2, _) = w.submit();
    let dave = w.foundation.add_staff("dave", "reviewer");
    w.foundation.publish(&w.server);
    dave.login(&w.server, &w.foundation.fingerprint);
    let rekeyed = w
        .alice
        .cli
        .ok(&["staff", "rekey", "--to", "dave", "--key", "staff.key"]);
    assert!(rekeyed.contains("Shared 2 case(s)"), "{rekeyed}");
    dave.cli
        .ok(&["staff", "open", &case2, "--out", "d", "--key", "staff.key"]);

    // An auditor can sign in but reads nothing of a case.
    let auditor = w.foundation.add_staff("audrey", "auditor");
    w.foundation.publish(&w.server);
    auditor.login(&w.server, &w.foundation.fingerprint);
    let http = w.server.http();
    let detail = http.get(&format!("/v1/cases/{case}"), Some(&auditor.token()));
    assert_eq!(detail.status, 404, "{detail:?}");
    let doc_id = http
        .get(&format!("/v1/cases/{case}"), Some(&w.alice.token()))
        .json
        .unwrap()["documents"][0]["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        http.get(
            &format!("/v1/cases/{case}/documents/{doc_id}"),
            Some(&auditor.token())
        )
        .status,
        404
    );

    // Removing carol: her sessions die and her grants are gone.
    let carol_token = carol.token();
    w.foundation.remove_staff("carol");
    w.foundation.publish(&w.server);
    let after = http.get(&format!("/v1/cases/{case}"), Some(&carol_token));
    assert!(after.status == 401 || after.status == 404, "{after:?}");
    if matches!(w.server.backend, Backend::Sqlite) && amanat_tests::tamper::sqlite3_available() {
        let n = sqlite_db(&w.server.dir())
            .exec("SELECT count(*) FROM grants WHERE staff_id = 'carol';");
        assert_eq!(n.trim(), "0", "carol's grants survived her removal");
    }
}

#[test]
fn collaboration_sqlite() {
    collaboration(Backend::Sqlite);
}

#[test]
fn collaboration_postgres() {
    if let Some(pg) = Backend::postgres_from_env() {
        collaboration(pg);
    }
}

/// A verdict counts if its signer was a reviewer when it was logged: removing that reviewer
/// later changes neither the auditor's count nor the annex (one rule for both).
#[test]
fn a_verdict_outlives_its_reviewer_in_the_audit_and_the_report() {
    let w = world(Backend::Sqlite);
    let c = Cli::new();
    let form = serde_json::json!({"version": 1, "language": "ru",
        "identity": {"surname": privacy::canary("Тест"), "given_name": "Ерлан"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    std::fs::write(c.path("poa.pdf"), b"%PDF-1.4 signed power of attorney").unwrap();
    let mut args = vec!["submit".to_owned()];
    args.extend(w.srv());
    args.extend(["--form".into(), "appeal.json".into()]);
    args.extend(["--poa".into(), "poa.pdf".into()]);
    let case = parse_submit(&c.ok(&args.iter().map(String::as_str).collect::<Vec<_>>())).case_id;
    let detail = w
        .server
        .http()
        .get(&format!("/v1/cases/{case}"), Some(&w.alice.token()));
    let poa = detail.json.unwrap()["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "power-of-attorney")
        .unwrap()["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.alice.cli.ok(&[
        "staff",
        "ack",
        &case,
        "--poa",
        &poa,
        "--accept",
        "--key",
        "staff.key",
    ]);
    w.foundation.remove_staff("alice");
    w.foundation.publish(&w.server);

    let mut audit = vec!["audit".to_owned(), "log".into(), "--json".into()];
    audit.extend(w.srv());
    let out = Cli::new().ok(&audit.iter().map(String::as_str).collect::<Vec<_>>());
    let figures: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        figures["cases_with_acknowledged_power_of_attorney"], 1,
        "{out}"
    );
    assert_eq!(figures["problems"], serde_json::json!([]), "{out}");

    w.bob.cli.ok(&[
        "staff",
        "report",
        "--out",
        "r",
        "--format",
        "json",
        "--key",
        "staff.key",
    ]);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.bob.cli.path("r").join("figures.json")).unwrap())
            .unwrap();
    assert_eq!(report["cases"], 1, "{report}");
    assert_eq!(
        report["follow_up"]["poa_not_acknowledged"],
        serde_json::json!([]),
        "alice's verdict was dropped after she left: {report}"
    );
}

/// A wrong codename and a right one make the same requests, and the wrong one is told only
/// "no such case".
#[test]
fn wrong_and_right_codenames_look_the_same_to_the_server() {
    let w = world(Backend::Sqlite);
    let (_, codename) = w.submit();
    let wrong = amanat_protocol::codename::Codename::generate();
    privacy::codename(wrong.dangerously_reveal());
    let routes = |log: &str| -> Vec<String> {
        log.lines()
            .filter(|l| l.contains("request method="))
            .filter_map(|l| {
                l.split("route=")
                    .nth(1)
                    .map(|r| r.split_whitespace().next().unwrap_or("").to_owned())
            })
            .collect()
    };
    let mut args = vec!["inbox".to_owned()];
    args.extend(w.srv());
    args.push("--codename-stdin".into());

    let before = w.server.log_text().len();
    let bad = w.with_stdin(
        &Cli::new(),
        &args,
        &format!("{}\n", wrong.dangerously_reveal()),
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    let bad_routes = routes(&w.server.log_text()[before..]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("no such case"), "{}", text(&bad));

    let before = w.server.log_text().len();
    let good = w.with_stdin(&Cli::new(), &args, &format!("{codename}\n"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let good_routes = routes(&w.server.log_text()[before..]);
    assert!(good.status.success(), "{}", text(&good));

    assert!(bad_routes.len() >= 3, "{bad_routes:?}");
    assert_eq!(
        bad_routes[..],
        good_routes[..bad_routes.len()],
        "the wrong codename took another path"
    );
}
