//! Withdrawal through the real binaries: a complainant deletes their case with only the
//! codename. The server logs a `07` entry and deletes the case's rows and ciphertext; the
//! reviewers lose it, the codename opens nothing, a neighbour's case is untouched, receipts
//! from before still verify, and the audit counts the withdrawal apart from live cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use amanat_tests::tamper::{sqlite_db, sqlite3_available};
use amanat_tests::{Backend, Cli, Foundation, Server, case_keys, parse_submit, privacy};
use serde_json::{Value, json};

fn srv(server: &Server, root: &str) -> Vec<String> {
    vec![
        "--server".into(),
        server.url.clone(),
        "--server-cert".into(),
        server.cert_sha256.clone(),
        "--root".into(),
        root.into(),
    ]
}

fn with_stdin(cli: &Cli, args: &[String], stdin: &str) -> Output {
    cli.run_with_stdin(&strs(args), stdin)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Submits a form, a power of attorney and a photo; returns (case id, codename, its HOME).
fn submit(server: &Server, root: &str, surname: &str) -> (String, String, Cli) {
    let c = Cli::new();
    let form = json!({"version": 1, "language": "ru",
        "identity": {"surname": privacy::canary(surname), "given_name": "Ерлан"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    std::fs::write(c.path("poa.pdf"), b"%PDF-1.4 power of attorney").unwrap();
    std::fs::write(c.path("photo.jpg"), vec![0xd8u8; 50_000]).unwrap();
    let mut args = vec!["submit".to_owned()];
    args.extend(srv(server, root));
    args.extend(
        [
            "--form",
            "appeal.json",
            "--poa",
            "poa.pdf",
            "--attach",
            "photo.jpg",
            "--receipt",
            "receipts",
        ]
        .map(String::from),
    );
    let s = parse_submit(&c.ok(&strs(&args)));
    (s.case_id, s.codename, c)
}

#[test]
fn a_complainant_withdraws_their_case_with_the_codename() {
    withdrawal(Backend::Sqlite);
}

#[test]
fn a_withdrawal_on_postgres() {
    let Some(pg) = Backend::postgres_from_env() else {
        return;
    };
    withdrawal(pg);
}

fn withdrawal(backend: Backend) {
    let sqlite = matches!(backend, Backend::Sqlite) && sqlite3_available();
    let foundation = Foundation::new();
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    let server = Server::start(&foundation.root_public, backend);
    foundation.set_log(&server);
    foundation.publish(&server);
    reviewer.login(&server, &foundation.fingerprint);
    let fp = foundation.fingerprint.clone();
    let (case, codename, home) = submit(&server, &fp, "Отзыв");
    let (neighbour, neighbour_codename, _) = submit(&server, &fp, "Сосед");
    let reply = with_stdin(
        &reviewer.cli,
        &["staff", "reply", &case, "--key", "staff.key"].map(String::from),
        "We have your appeal.\n",
    );
    assert!(reply.status.success(), "{}", text(&reply));
    let opened = reviewer.cli.ok(&[
        "staff",
        "open",
        &case,
        "--out",
        "case",
        "--key",
        "staff.key",
    ]);
    assert!(opened.contains(&case), "{opened}");
    let blobs_before = server.blob_files().len();
    assert_eq!(blobs_before, 7, "three documents each and one reply");

    // Hostile: the neighbour's session names this case; no session at all; a body that is
    // not the shape. Each is a clean 4xx and deletes nothing.
    let http = server.http();
    let token = http.login(case_keys(&neighbour_codename, &fp).auth());
    privacy::token(&token);
    let r = http.post_json("/v1/me/withdraw", &json!({"case_id": case}), Some(&token));
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.error_code(), Some("bad_request"));
    let r = http.post_json("/v1/me/withdraw", &json!({"case_id": case}), None);
    assert_eq!(r.status, 401, "{r:?}");
    let r = http.post_json("/v1/me/withdraw", &json!({"case": 1}), Some(&token));
    assert!((400..500).contains(&r.status), "{r:?}");
    let r = http.post_json(
        "/v1/me/withdraw",
        &json!({"case_id": case}),
        Some(&reviewer.token()),
    );
    // A staff session is not a case's: the same answer as for `GET /v1/me`.
    assert_eq!(r.status, 404, "a reviewer cannot withdraw a case: {r:?}");
    assert_eq!(server.blob_files().len(), blobs_before);

    // Without --yes, standard input cannot also confirm: refused before anything happens.
    let mut args = vec!["withdraw".to_owned()];
    args.extend(srv(&server, &fp));
    args.push("--codename-stdin".into());
    let o = with_stdin(&Cli::new(), &args, &format!("{codename}\n"));
    assert!(!o.status.success());
    assert!(text(&o).contains("needs --yes"), "{}", text(&o));

    args.push("--yes".into());
    let o = with_stdin(&Cli::new(), &args, &format!("{codename}\n"));
    assert!(o.status.success(), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains(&format!("Withdrawn: case {case} and its 4 document(s)")),
        "{said}"
    );
    assert!(said.contains("receipt checked"), "{said}");

    // The ciphertext, the rows and the reviewers' access are gone; the neighbour's are not.
    assert_eq!(server.blob_files().len(), blobs_before - 4);
    let cases = reviewer.cli.ok(&["staff", "cases"]);
    assert!(
        !cases.contains(&case) && cases.contains(&neighbour),
        "{cases}"
    );
    let r = http.get(&format!("/v1/cases/{case}"), Some(&reviewer.token()));
    assert_eq!(r.status, 404, "{r:?}");
    if sqlite {
        let db = sqlite_db(&server.dir());
        for table in [
            "cases WHERE id",
            "documents WHERE case_id",
            "grants WHERE case_id",
            "staff_actions WHERE case_id",
            "sessions WHERE case_id",
        ] {
            let n = db.exec(&format!("SELECT count(*) FROM {table} = '{case}';"));
            assert_eq!(n.trim(), "0", "{table}");
        }
    }

    // The codename opens nothing now, and a second withdrawal finds nothing.
    let mut inbox = vec!["inbox".to_owned()];
    inbox.extend(srv(&server, &fp));
    inbox.push("--codename-stdin".into());
    let o = with_stdin(&Cli::new(), &inbox, &format!("{codename}\n"));
    assert!(!o.status.success());
    assert!(text(&o).contains("no such case"), "{}", text(&o));
    let o = with_stdin(&Cli::new(), &args, &format!("{codename}\n"));
    assert!(!o.status.success(), "{}", text(&o));
    let o = with_stdin(&Cli::new(), &inbox, &format!("{neighbour_codename}\n"));
    assert!(o.status.success(), "{}", text(&o));

    // The log still verifies: a receipt from before the withdrawal checks out, and the audit
    // counts one live case and one withdrawn.
    let receipt = std::fs::read_dir(home.path("receipts"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut verify = vec![
        "audit".to_owned(),
        "verify".into(),
        receipt.display().to_string(),
    ];
    verify.extend(srv(&server, &fp));
    Cli::new().ok(&strs(&verify));
    let mut audit = vec!["audit".to_owned(), "log".into()];
    audit.extend(srv(&server, &fp));
    audit.push("--json".into());
    let a: Value = serde_json::from_str(&Cli::new().ok(&strs(&audit))).unwrap();
    assert_eq!(a["problems"], json!([]), "{a}");
    assert_eq!(a["cases"], 1, "{a}");
    assert_eq!(a["cases_withdrawn"], 1, "{a}");
    assert_eq!(a["cases_with_power_of_attorney"], 1, "{a}");

    // Nothing of what the complainant wrote reached the server's logs.
    let scan = privacy::scan_text(&server.log_text());
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
}
