//! Retention rules and legal holds through the real binaries: `amanat-server retention` lists
//! (dry run) and then deletes closed cases with no recent activity, keeps the one a reviewer
//! put a legal hold on until the hold is lifted, logs each deletion, and leaves the rest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use amanat_tests::{Backend, Cli, Foundation, Server, bin, parse_submit, privacy};
use serde_json::{Value, json};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn retention(server: &Server, args: &[&str]) -> Output {
    Command::new(bin("amanat-server"))
        .arg("retention")
        .arg("--config")
        .arg(server.dir().join("config.toml"))
        .args(args)
        // The server's own environment (e.g. its S3 bucket), as an operator's cron job has.
        .envs(server.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap()
}

fn submit(server: &Server, root: &str, surname: &str) -> String {
    let c = Cli::new();
    let form = json!({"version": 1, "language": "kk",
        "identity": {"surname": privacy::canary(surname), "given_name": "Ерлан"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    std::fs::write(c.path("poa.pdf"), b"%PDF-1.4 power of attorney").unwrap();
    let out = c.ok(&[
        "submit",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        root,
        "--form",
        "appeal.json",
        "--poa",
        "poa.pdf",
    ]);
    parse_submit(&out).case_id
}

#[test]
fn retention_deletes_expired_cases_but_not_held_ones() {
    run(Backend::Sqlite);
}

#[test]
fn retention_on_postgres() {
    let Some(pg) = Backend::postgres_from_env() else {
        return;
    };
    run(pg);
}

/// On PostgreSQL and an S3 bucket: deleted cases' blobs leave the bucket.
#[test]
fn retention_on_s3() {
    let Some(pg) = Backend::postgres_from_env() else {
        return;
    };
    let Some(bucket) = amanat_tests::bucket::TestBucket::fresh() else {
        return;
    };
    run_with(pg, bucket.env());
}

fn run(backend: Backend) {
    run_with(backend, Vec::new());
}

fn run_with(backend: Backend, env: Vec<(String, String)>) {
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
    reviewer.login(&server, &foundation.fingerprint);
    let fp = foundation.fingerprint.clone();
    let expired = submit(&server, &fp, "Старое");
    let held = submit(&server, &fp, "Удержано");
    let open = submit(&server, &fp, "Открыто");
    for case in [&expired, &held] {
        reviewer.cli.ok(&["staff", "status", case, "closed"]);
    }
    let said = reviewer.cli.ok(&["staff", "hold", &held]);
    assert!(said.contains("legal hold"), "{said}");
    let blobs = server.blob_files().len();
    assert_eq!(blobs, 6);

    // Hostile holds: no session, a body of the wrong shape, a case that does not exist.
    let http = server.http();
    let r = http.post_json(
        &format!("/v1/cases/{held}/hold"),
        &json!({"hold": false}),
        None,
    );
    assert_eq!(r.status, 401, "{r:?}");
    let r = http.post_json(
        &format!("/v1/cases/{held}/hold"),
        &json!({"hold": "yes"}),
        Some(&reviewer.token()),
    );
    assert_eq!(r.status, 400, "{r:?}");
    let r = http.post_json(
        "/v1/cases/00000000-0000-4000-8000-000000000000/hold",
        &json!({"hold": true}),
        Some(&reviewer.token()),
    );
    assert_eq!(r.status, 404, "{r:?}");

    // A malformed rule is refused with the expected shape.
    for bad in ["closed", "shut:30", "closed:-1", "closed:soon"] {
        let o = retention(&server, &["--rule", bad]);
        assert!(!o.status.success(), "{bad}");
        assert!(text(&o).contains("STATUS:DAYS"), "{bad}: {}", text(&o));
    }

    // The dry run lists both closed cases and changes nothing.
    let o = retention(&server, &["--rule", "closed:0", "--rule", "rejected:365"]);
    assert!(o.status.success(), "{}", text(&o));
    let dry = text(&o);
    assert!(
        dry.contains(&format!("{expired}  closed")) && dry.contains("would be deleted"),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("{held}  closed")) && dry.contains("kept: legal hold"),
        "{dry}"
    );
    assert!(!dry.contains(&open), "{dry}");
    assert!(
        dry.contains("Dry run: 1 case(s) would be deleted, 1 kept"),
        "{dry}"
    );
    assert_eq!(server.blob_files().len(), blobs);
    // The rules can live in the config file: none there and no --rule is refused, then the
    // file's rules give the same dry run (and flags, below, override them).
    let o = retention(&server, &[]);
    assert!(
        !o.status.success() && text(&o).contains("no retention rule"),
        "{}",
        text(&o)
    );
    let config = server.dir().join("config.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml.push_str("retention = [\"closed:0\", \"rejected:365\"]\n");
    std::fs::write(&config, toml).unwrap();
    let o = retention(&server, &[]);
    assert_eq!(
        text(&o),
        dry,
        "the config file's rules must act as the same flags"
    );
    // A rule whose time has not come reaches nothing.
    let o = retention(&server, &["--rule", "closed:730"]);
    assert!(text(&o).contains("No case is reached"), "{}", text(&o));

    // Applied while the server serves: the expired case goes, the held and the open stay.
    let o = retention(&server, &["--rule", "closed:0", "--apply"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Deleted 1 case(s); 1 kept under a legal hold"),
        "{}",
        text(&o)
    );
    assert_eq!(server.blob_files().len(), blobs - 2);
    let cases = reviewer.cli.ok(&["staff", "cases"]);
    assert!(!cases.contains(&expired), "{cases}");
    assert!(cases.contains(&held) && cases.contains(&open), "{cases}");
    let activity = http.get(
        &format!("/v1/cases/{held}/activity"),
        Some(&reviewer.token()),
    );
    assert!(
        String::from_utf8_lossy(&activity.body).contains("legal hold on"),
        "{activity:?}"
    );

    // Lifted, the hold no longer protects it.
    reviewer.cli.ok(&["staff", "hold", &held, "--release"]);
    let o = retention(&server, &["--rule", "closed:0", "--apply"]);
    assert!(
        text(&o).contains("Deleted 1 case(s); 0 kept"),
        "{}",
        text(&o)
    );
    assert_eq!(server.blob_files().len(), blobs - 4);

    // The auditor sees two expired cases and one live one, and the log still verifies.
    let a: Value = serde_json::from_str(&Cli::new().ok(&[
        "audit",
        "log",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        &fp,
        "--json",
    ]))
    .unwrap();
    assert_eq!(a["problems"], json!([]), "{a}");
    assert_eq!(a["cases"], 1, "{a}");
    assert_eq!(a["cases_expired"], 2, "{a}");
}
