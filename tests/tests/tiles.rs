//! The log through C2SP tlog-tiles, on the real server: an outside client built only on Go's
//! golang.org/x/mod/sumdb recomputes the root from the served tiles, `amanat audit monitor`
//! follows the log across runs and reports who joined the keyring and which powers of
//! attorney were acknowledged, a rewritten or truncated log is caught with its evidence kept,
//! and every malformed tile path is a JSON 4xx.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use amanat_protocol::keyring::Fingerprint;
use amanat_protocol::log::merkle::{CompactRange, leaf_hash};
use amanat_protocol::log::tiles;
use amanat_tests::tamper::{sqlite_db, sqlite3_available};
use amanat_tests::{Backend, Cli, Foundation, Server, Staff, golang, parse_submit, privacy};
use serde_json::Value;

struct World {
    foundation: Foundation,
    reviewer: Staff,
    server: Server,
}

fn world() -> World {
    let foundation = Foundation::new();
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    let server = Server::start(&foundation.root_public, Backend::Sqlite);
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

    fn submit(&self) -> String {
        let c = Cli::new();
        let form = serde_json::json!({"version": 1, "language": "en",
            "identity": {"surname": privacy::canary("Tiles"), "given_name": "Dana"}});
        std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
        std::fs::write(c.path("poa.pdf"), "%PDF-1.4 power of attorney").unwrap();
        let mut args = vec!["submit".to_owned()];
        args.extend(self.server_args());
        args.extend(["--form", "appeal.json", "--poa", "poa.pdf"].map(String::from));
        parse_submit(&c.ok(&args.iter().map(String::as_str).collect::<Vec<_>>())).case_id
    }

    fn accept_poa(&self, case: &str) {
        let detail = self
            .server
            .http()
            .get(&format!("/v1/cases/{case}"), Some(&self.reviewer.token()));
        let poa = detail.json.unwrap()["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "power-of-attorney")
            .unwrap()["document_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let out = self.reviewer.cli.ok(&[
            "staff",
            "ack",
            case,
            "--poa",
            &poa,
            "--accept",
            "--key",
            "staff.key",
        ]);
        assert!(out.contains("accepted"), "{out}");
    }

    /// `n` status changes on `case`: one staff-action entry each, fast.
    fn status_changes(&self, case: &str, n: usize) {
        let http = self.server.http();
        let token = self.reviewer.token();
        let path = format!("/v1/cases/{case}");
        let mut version = http.get(&path, Some(&token)).json.unwrap()["version"]
            .as_i64()
            .unwrap();
        for i in 0..n {
            let status = if i % 2 == 0 {
                "in-review"
            } else {
                "needs-info"
            };
            let r = http.post_json(
                &format!("{path}/status"),
                &serde_json::json!({"status": status, "version": version}),
                Some(&token),
            );
            assert_eq!(r.status, 200, "{:?}", r.json);
            version = r.json.unwrap()["version"].as_i64().unwrap();
        }
    }

    fn monitor(&self, cli: &Cli) -> (Output, Value) {
        let mut args = vec!["audit".to_owned(), "monitor".to_owned()];
        args.extend(self.server_args());
        args.extend(["--state", "monitor", "--json"].map(String::from));
        let out = cli.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out, json)
    }

    /// Every entry, from the JSON API's framed stream (not from the tiles under test).
    fn entries(&self) -> Vec<Vec<u8>> {
        let r = self
            .server
            .http()
            .get("/v1/log/entries?start=0&count=100000", None);
        assert_eq!(r.status, 200);
        let mut out = Vec::new();
        let mut rest = r.body.as_slice();
        while !rest.is_empty() {
            let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            out.push(rest[4..4 + len].to_vec());
            rest = &rest[4 + len..];
        }
        out
    }

    /// The log's signed-note verifier key, as the root-signed keyring names it.
    fn log_vkey(&self) -> String {
        let fp = Fingerprint::parse(&self.foundation.fingerprint).unwrap();
        let k = self.foundation.signed_keyring().verify(&fp).unwrap();
        k.keyring()
            .log
            .as_ref()
            .unwrap()
            .verifier()
            .unwrap()
            .to_string()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn events<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == kind)
        .collect()
}

#[test]
fn tiles_serve_the_log_to_an_outside_client_and_the_monitor() {
    let w = world();
    let case = w.submit();
    w.accept_poa(&case);
    let auditor = Cli::new();

    // First run: the whole log, from the keyring that put aigerim in.
    let (out, first) = w.monitor(&auditor);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(first["ok"], true);
    let r = &first["report"];
    assert_eq!(r["from"], 0);
    let size1 = r["to"].as_u64().unwrap();
    assert_eq!(size1, w.entries().len() as u64);
    let keyrings = events(r, "keyring");
    assert!(
        keyrings
            .iter()
            .any(|k| k["added"] == serde_json::json!(["aigerim (reviewer)"])),
        "{r}"
    );
    let acks = events(r, "acknowledgement");
    assert_eq!(acks.len(), 1, "{r}");
    assert_eq!(acks[0]["reviewer"], "aigerim");
    assert_eq!(acks[0]["verdict"], "accepted");
    assert_eq!(r["documents_by_kind"]["power-of-attorney"], 1);

    // Nothing new: the second run reads no entry and says so.
    let (out, again) = w.monitor(&auditor);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(again["report"]["from"], size1);
    assert_eq!(again["report"]["to"], size1);

    // Past one full tile, and a new colleague in the keyring.
    w.status_changes(&case, 300);
    let _bolat = w.foundation.add_staff("bolat", "reviewer");
    w.foundation.publish(&w.server);
    let (out, third) = w.monitor(&auditor);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &third["report"];
    assert_eq!(r["from"], size1);
    let size = r["to"].as_u64().unwrap();
    assert!(size > 300, "{size}");
    // 300 status changes, and the case opened once to read its version.
    assert_eq!(r["staff_actions"].as_u64().unwrap(), 301);
    let k = events(r, "keyring");
    assert_eq!(k.len(), 1, "{r}");
    assert_eq!(k[0]["added"], serde_json::json!(["bolat (reviewer)"]));
    assert_eq!(k[0]["removed"], serde_json::json!([]));
    // The human form says the same.
    let text = {
        let mut args = vec!["audit".to_owned(), "monitor".to_owned()];
        args.extend(w.server_args());
        args.extend(["--state", "monitor2"].map(String::from));
        auditor.ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert!(text.contains("added:   bolat (reviewer)"), "{text}");
    assert!(
        text.contains("power of attorney accepted by aigerim"),
        "{text}"
    );

    // The tiles hold what the JSON API's entries hash to.
    let entries = w.entries();
    assert_eq!(entries.len() as u64, size);
    let http = w.server.http();
    let leaves: Vec<[u8; 32]> = entries.iter().map(|e| leaf_hash(e)).collect();
    let full = http.get("/tile/0/000", None);
    assert_eq!(full.status, 200);
    assert_eq!(full.body, leaves[..256].concat());
    assert_eq!(
        full.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let w1 = size - 256;
    let partial = http.get(&format!("/tile/0/001.p/{w1}"), None);
    assert_eq!(partial.body, leaves[256..].concat());
    let mut first256 = CompactRange::default();
    leaves[..256].iter().for_each(|l| first256.push(*l));
    let level1 = http.get("/tile/1/000.p/1", None);
    assert_eq!(level1.body, first256.root());
    let bundle = http.get(&format!("/tile/entries/001.p/{w1}"), None);
    assert_eq!(
        tiles::decode_bundle(&bundle.body, w1).unwrap(),
        entries[256..].iter().map(Vec::as_slice).collect::<Vec<_>>()
    );
    let cp = http.get("/checkpoint", None);
    assert_eq!(cp.status, 200);
    assert!(cp.content_type.unwrap().starts_with("text/plain"));
    let api_cp = http.get("/v1/log/checkpoint", None).json.unwrap();
    assert_eq!(String::from_utf8(cp.body).unwrap(), api_cp["checkpoint"]);

    // An outside client, on the Go team's sumdb/tlog, agrees on every tile and the root.
    if let Some(go) = golang::tlogtiles() {
        let out = std::process::Command::new(go)
            .arg(&w.server.url)
            .arg(w.server.dir().join("tls/cert.pem"))
            .arg(w.log_vkey())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["size"], size);
        assert_eq!(v["root"], r["root"]);
        assert_eq!(v["bundles"], 2);
    }
}

#[test]
fn a_rewritten_or_truncated_log_is_caught_by_the_monitor() {
    if !sqlite3_available() {
        return;
    }
    let w = world();
    w.submit();
    w.submit();
    let db = sqlite_db(&w.server.dir());
    let auditor = Cli::new();
    let (out, _) = w.monitor(&auditor);
    assert!(out.status.success(), "{}", stderr(&out));
    let original = db.entries();

    // The same size, one byte changed: the server signs a new root for it.
    let mut altered = original.clone();
    let last = altered[1].len() - 1;
    altered[1][last] ^= 1;
    db.rewrite(&altered);
    for _ in 0..2 {
        let (out, v) = w.monitor(&auditor);
        assert!(!out.status.success(), "a rewritten log passed");
        assert!(
            stderr(&out).contains("REWRITTEN or FORKED"),
            "{}",
            stderr(&out)
        );
        assert_eq!(v["ok"], false);
        assert_eq!(v["alert"], "fork");
        let evidence = v["fork"]["evidence"].as_array().unwrap();
        assert_eq!(evidence.len(), 2);
        for e in evidence {
            let text = std::fs::read_to_string(e.as_str().unwrap()).unwrap();
            assert!(text.contains("\n\n\u{2014} "), "{text}");
        }
    }

    // The rewrite grown by an entry: the new entries cannot make up for the changed one.
    let mut grown = altered.clone();
    grown.push(original[0].clone());
    db.rewrite(&grown);
    let (out, v) = w.monitor(&auditor);
    assert!(!out.status.success());
    assert_eq!(v["alert"], "fork");

    // Fewer entries than were verified: truncated.
    db.rewrite(&original[..original.len() - 1]);
    let (out, v) = w.monitor(&auditor);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("TRUNCATED"), "{}", stderr(&out));
    assert_eq!(v["alert"], "fork");

    // Put back as it was, the log is consistent again with what was verified.
    db.rewrite(&original);
    let (out, v) = w.monitor(&auditor);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(v["ok"], true);
}

#[test]
fn malformed_tile_paths_are_json_4xx_and_the_server_goes_on() {
    let w = world();
    w.submit();
    let http = w.server.http();
    let size = w.entries().len();
    let deep = format!("/tile/0/{}001", "x001/".repeat(2000));
    let cases: Vec<(String, u16)> = vec![
        ("/tile/".into(), 400),
        ("/tile/0".into(), 400),
        ("/tile/00/000".into(), 400),
        ("/tile/64/000".into(), 400),
        ("/tile/-1/000".into(), 400),
        ("/tile/0/00".into(), 400),
        ("/tile/0/0000".into(), 400),
        ("/tile/0/x000/001".into(), 400),
        ("/tile/0/001/002".into(), 400),
        ("/tile/0/000.p".into(), 400),
        ("/tile/0/000.p/0".into(), 400),
        ("/tile/0/000.p/256".into(), 400),
        ("/tile/0/000.p/07".into(), 400),
        ("/tile/0/000.p/99999999999999999999999".into(), 400),
        ("/tile/entries/abc".into(), 400),
        ("/tile/0/x999/x999/x999/x999/x999/x999/999".into(), 400),
        (deep, 400),
        // Well-formed, but not in this log (yet, or ever).
        ("/tile/0/000".into(), 404),
        (format!("/tile/0/000.p/{}", size + 1), 404),
        ("/tile/entries/001".into(), 404),
        ("/tile/7/000.p/1".into(), 404),
        ("/tile/63/000".into(), 404),
        ("/tile/0/x018/x446/x744/x073/x709/x551/615".into(), 404),
    ];
    for (path, status) in &cases {
        let r = http.get(path, None);
        assert_eq!(r.status, *status, "{path}: {:?}", r.json);
        let j = r
            .json
            .as_ref()
            .unwrap_or_else(|| panic!("{path}: no JSON body"));
        assert!(
            j["error"].is_string() && j["message"].is_string(),
            "{path}: {j}"
        );
    }
    let post = http.send(http.request("POST", "/checkpoint"));
    assert_eq!(post.status, 405);
    assert!(post.json.is_some());
    let ok = http.get(&format!("/tile/0/000.p/{size}"), None);
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body.len(), size * tiles::HASH_SIZE);
    assert_eq!(http.get("/v1/health", None).status, 200);
}
