//! Root rotation through the real binaries: a complainant submits under root P, the admin
//! hands the foundation to root Q, and the complainant — still pinned to P — reads the
//! reviewer's reply with the same codename. Clients pinned to P follow the logged handover;
//! the old root signs nothing more; auditors pinned to either root verify the whole log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use amanat_tests::{Backend, Cli, Foundation, Server, parse_submit, privacy};
use serde_json::Value;

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

fn submit(server: &Server, root: &str, surname: &str) -> (String, String) {
    let c = Cli::new();
    let form = serde_json::json!({"version": 1, "language": "ru",
        "identity": {"surname": privacy::canary(surname), "given_name": "Ерлан"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    let mut args = vec!["submit".to_owned()];
    args.extend(srv(server, root));
    args.extend(["--form".into(), "appeal.json".into()]);
    let s = parse_submit(&c.ok(&strs(&args)));
    (s.case_id, s.codename)
}

fn inbox(server: &Server, root: &str, codename: &str) -> Output {
    let mut args = vec!["inbox".to_owned()];
    args.extend(srv(server, root));
    args.push("--codename-stdin".into());
    with_stdin(&Cli::new(), &args, &format!("{codename}\n"))
}

#[test]
fn a_complainant_from_before_a_rotation_reads_replies_after_it() {
    rotation(Backend::Sqlite);
}

#[test]
fn a_rotation_on_postgres() {
    let Some(pg) = Backend::postgres_from_env() else {
        return;
    };
    rotation(pg);
}

fn rotation(backend: Backend) {
    let foundation = Foundation::new();
    let server = Server::start(&foundation.root_public, backend);
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    foundation.set_log(&server);
    foundation.publish(&server);
    let old_fp = foundation.fingerprint.clone();
    let (case, codename) = submit(&server, &old_fp, "Ротация");
    let admin = &foundation.admin;
    std::fs::copy(admin.path("keyring.json"), admin.path("old-keyring.json")).unwrap();

    // The new root, made like the first; the rotation is signed offline by both keys.
    let init = admin.ok(&["admin", "init", "--out", "new-root.key"]);
    let new_fp = init
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("Root fingerprint"))
        .nth(2)
        .unwrap()
        .to_owned();
    assert_ne!(new_fp, old_fp);
    let rotated = admin.ok(&[
        "admin",
        "root",
        "rotate",
        "--root-key",
        "root.key",
        "--new-root-key",
        "new-root.key",
    ]);
    assert!(
        rotated.contains(&format!("codenames stay salted with {old_fp}")),
        "{rotated}"
    );

    // The server refuses the new root's keyring until the handover is logged.
    let early = admin.run(&[
        "admin",
        "keyring",
        "publish",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
    ]);
    assert!(!early.status.success());
    assert!(
        text(&early).contains("not signed by the root key"),
        "{}",
        text(&early)
    );

    // Hostile handovers: a broken signature, and a forged "from" — both 400, nothing logged.
    let handover: Value =
        serde_json::from_slice(&std::fs::read(admin.path("handover.json")).unwrap()).unwrap();
    let size_before = server.http().get("/v1/log/checkpoint", None).json.unwrap()["size"].clone();
    let mut bad = handover.clone();
    bad["signed_at"] = Value::from(bad["signed_at"].as_i64().unwrap() + 1);
    let r = server.http().post_json("/v1/root/handover", &bad, None);
    assert_eq!(r.status, 400, "{:?}", r.json);
    assert_eq!(r.error_code(), Some("bad_signature"));
    let mut junk = handover.clone();
    junk["to_signature"] = Value::from("AAAA");
    let r = server.http().post_json("/v1/root/handover", &junk, None);
    assert!((400..500).contains(&r.status), "{:?}", r.json);
    let r = server
        .http()
        .post_json("/v1/root/handover", &Value::from("x"), None);
    assert!((400..500).contains(&r.status), "{:?}", r.json);
    assert_eq!(
        server.http().get("/v1/log/checkpoint", None).json.unwrap()["size"],
        size_before
    );

    let published = admin.ok(&[
        "admin",
        "root",
        "publish",
        "handover.json",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
    ]);
    assert!(published.contains(&new_fp), "{published}");
    // Replayed: the root in force is now Q, so a handover from P is refused.
    let r = server
        .http()
        .post_json("/v1/root/handover", &handover, None);
    assert_eq!(r.status, 409, "{:?}", r.json);
    assert_eq!(r.error_code(), Some("not_current_root"));
    foundation.publish(&server);

    // The old root signs nothing more: a keyring it signs after the handover is refused.
    admin.ok(&[
        "admin",
        "keyring",
        "remove",
        "--keyring",
        "old-keyring.json",
        "--root-key",
        "root.key",
        "--id",
        "aigerim",
    ]);
    let stale = admin.run(&[
        "admin",
        "keyring",
        "publish",
        "--keyring",
        "old-keyring.json",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
    ]);
    assert!(!stale.status.success(), "{}", text(&stale));
    assert!(
        text(&stale).contains("not signed by the root key"),
        "{}",
        text(&stale)
    );
    // A handover back to the old root would make the chain loop: refused.
    std::fs::copy(admin.path("keyring.json"), admin.path("loop-keyring.json")).unwrap();
    admin.ok(&[
        "admin",
        "root",
        "rotate",
        "--root-key",
        "new-root.key",
        "--new-root-key",
        "root.key",
        "--keyring",
        "loop-keyring.json",
        "--out",
        "back.json",
    ]);
    let back = admin.run(&[
        "admin",
        "root",
        "publish",
        "back.json",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
    ]);
    assert!(!back.status.success());
    assert!(text(&back).contains("used before"), "{}", text(&back));

    // The reviewer, still pinned to the old fingerprint, follows the handover and replies.
    reviewer.login(&server, &old_fp);
    let reply = with_stdin(
        &reviewer.cli,
        &[
            "staff".into(),
            "reply".into(),
            case.clone(),
            "--key".into(),
            "staff.key".into(),
        ],
        "Your hearing is on 3 March.\n",
    );
    assert!(reply.status.success(), "{}", text(&reply));
    privacy::content("Your hearing is on 3 March.");

    // The complainant from before the rotation, pinned to P, reads it with the same codename;
    // pinned to Q (the new link) too, since the keys are salted with the lineage.
    for root in [&old_fp, &new_fp] {
        let o = inbox(&server, root, &codename);
        assert!(o.status.success(), "pinned to {root}: {}", text(&o));
        assert!(text(&o).contains("hearing is on 3 March"), "{}", text(&o));
    }

    // A complainant after the rotation, given only the new fingerprint, submits and returns.
    let (case2, codename2) = submit(&server, &new_fp, "Новый");
    let o = inbox(&server, &new_fp, &codename2);
    assert!(o.status.success(), "{}", text(&o));
    let opened = reviewer.cli.ok(&[
        "staff",
        "open",
        &case2,
        "--out",
        "case2",
        "--key",
        "staff.key",
    ]);
    assert!(
        opened.contains("Новый") || opened.contains("appeal"),
        "{opened}"
    );

    // A client pinned to a root no handover leads to refuses the server and says why.
    let stranger = Foundation::new();
    let o = inbox(&server, &stranger.fingerprint, &codename);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("not by the pinned root") && text(&o).contains("no root handover"),
        "{}",
        text(&o)
    );

    // Auditors pinned to either root verify the whole log, handover included.
    for root in [&old_fp, &new_fp] {
        let mut args = vec!["audit".to_owned(), "log".into()];
        args.extend(srv(&server, root));
        args.push("--json".into());
        let audit: Value = serde_json::from_str(&Cli::new().ok(&strs(&args))).unwrap();
        assert_eq!(audit["problems"], serde_json::json!([]), "{audit}");
        let h = &audit["root_handovers"];
        assert_eq!(h.as_array().map(Vec::len), Some(1), "{audit}");
        assert_eq!(h[0]["from"], Value::from(old_fp.clone()));
        assert_eq!(h[0]["to"], Value::from(new_fp.clone()));
        // Version 2 under the old root, version 3 under the new one.
        let versions: Vec<i64> = audit["keyrings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["version"].as_i64().unwrap())
            .collect();
        assert_eq!(versions, [2, 3], "{audit}");
    }
    let mut args = vec!["audit".to_owned(), "monitor".into()];
    args.extend(srv(&server, &old_fp));
    args.extend(["--state".into(), "mon".into(), "--json".into()]);
    let monitor = Cli::new();
    let m: Value = serde_json::from_str(&monitor.ok(&strs(&args))).unwrap();
    let events = m["report"]["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "root_handover" && e["to"] == new_fp.as_str()),
        "{m}"
    );
    assert_eq!(m["report"]["problems"], serde_json::json!([]), "{m}");
    let _ = case;
}
