//! Hostile input from the foundation issue, against the real server: each gets a 4xx with
//! a JSON error, the server keeps serving, and nothing already stored changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use amanat_protocol::envelope::{self, DocumentMeta};
use amanat_protocol::wire::DocumentKind;
use amanat_tests::http::Reply;
use amanat_tests::{Backend, Cli, Foundation, Server, ServerOptions, case_keys, parse_submit};
use serde_json::json;

/// What a reviewer can see of every case through the API, plus every blob's hash.
/// Refused requests must leave both exactly as they were.
#[derive(Debug, PartialEq)]
struct Snapshot {
    cases: String,
    blobs: Vec<(String, [u8; 32])>,
}

fn snapshot(server: &Server, token: &str) -> Snapshot {
    let http = server.http();
    let list = http.get("/v1/cases", Some(token));
    assert_eq!(list.status, 200, "{list:?}");
    let mut cases = String::from_utf8_lossy(&list.body).into_owned();
    for c in list.json.unwrap().as_array().unwrap() {
        let d = http.get(
            &format!("/v1/cases/{}", c["case_id"].as_str().unwrap()),
            Some(token),
        );
        cases.push_str(&String::from_utf8_lossy(&d.body));
    }
    let blobs = server
        .blob_contents()
        .into_iter()
        .map(|(name, bytes)| (name, sha(&bytes)))
        .collect();
    Snapshot { cases, blobs }
}

fn sha(b: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(b).into()
}

fn assert_clean_refusal(r: &Reply, status: u16, code: &str) {
    assert_eq!(
        r.status,
        status,
        "expected {status} {code}, got {r:?} {}",
        String::from_utf8_lossy(&r.body)
    );
    let json = r
        .json
        .as_ref()
        .unwrap_or_else(|| panic!("not JSON: {}", String::from_utf8_lossy(&r.body)));
    assert_eq!(json["error"], code, "{json}");
    let message = json["message"].as_str().unwrap();
    assert!(message.len() > 10, "message too thin: {message}");
    assert!(
        r.content_type
            .as_deref()
            .unwrap_or("")
            .starts_with("application/json")
    );
}

#[test]
fn hostile_input_is_refused_cleanly() {
    hostile_input(Backend::Sqlite, Vec::new());
}

/// The same on PostgreSQL and an S3 bucket (moto in CI): nothing in the bucket may change.
#[test]
fn hostile_input_is_refused_cleanly_s3() {
    let Some(pg) = Backend::postgres_from_env() else {
        return;
    };
    let Some(bucket) = amanat_tests::bucket::TestBucket::fresh() else {
        return;
    };
    hostile_input(pg, bucket.env());
}

fn hostile_input(backend: Backend, env: Vec<(String, String)>) {
    let foundation = Foundation::new();
    let alice = foundation.add_staff("alice", "reviewer");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut server = Server::start_with_env(
        &foundation.root_public,
        ServerOptions {
            backend,
            max_document_bytes: Some(200_000),
            session_ttl_secs: None,
        },
        &env,
    );
    foundation.publish(&server);

    // One honest case to protect.
    let complainant = Cli::new();
    std::fs::write(complainant.path("poa.pdf"), b"%PDF-1.4 honest").unwrap();
    let out = complainant.ok(&[
        "submit",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        &foundation.fingerprint,
        "--poa",
        "poa.pdf",
    ]);
    let sub = parse_submit(&out);
    alice.login(&server, &foundation.fingerprint);
    let alice_token = alice.token();
    let before = snapshot(&server, &alice_token);
    let http = server.http();
    let keys = case_keys(&sub.codename, &foundation.fingerprint);
    let case_token = http.login(keys.auth());
    let doc_path = |doc: &str| format!("/v1/cases/{}/documents/{doc}?kind=attachment", sub.case_id);

    // Keyring: bad signature, foreign root, rollback.
    let mut signed = serde_json::to_value(foundation.signed_keyring()).unwrap();
    let mut tampered = signed.clone();
    let body =
        amanat_protocol::encoding::from_b64("b", tampered["body"].as_str().unwrap()).unwrap();
    let mut body2 = body.clone();
    let i = body2.len() - 3;
    body2[i] ^= 1;
    tampered["body"] = json!(amanat_protocol::encoding::b64(&body2));
    assert_clean_refusal(
        &http.post_json("/v1/keyring", &tampered, None),
        400,
        "bad_signature",
    );

    let other = Foundation::new();
    other.add_staff("mallory", "reviewer");
    let foreign = serde_json::to_value(other.signed_keyring()).unwrap();
    assert_clean_refusal(
        &http.post_json("/v1/keyring", &foreign, None),
        400,
        "unknown_root",
    );
    // The CLI refuses it with an explanation too.
    let cli_out = other.admin.run(&[
        "admin",
        "keyring",
        "publish",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
    ]);
    assert!(!cli_out.status.success());
    assert!(String::from_utf8_lossy(&cli_out.stderr).contains("unknown_root"));

    assert_clean_refusal(
        &http.post_json("/v1/keyring", &signed, None),
        409,
        "keyring_rollback",
    );
    signed["body"] = json!("not base64!");
    assert_clean_refusal(
        &http.post_json("/v1/keyring", &signed, None),
        400,
        "bad_keyring",
    );

    // Malformed JSON, wrong content type.
    let r = http.send(
        http.request("POST", "/v1/cases")
            .header("content-type", "application/json")
            .body("{\"case_id\": [1,2,"),
    );
    assert_clean_refusal(&r, 400, "bad_request");
    let r = http.send(
        http.request("POST", "/v1/cases")
            .header("content-type", "text/plain")
            .body("{}"),
    );
    assert_eq!(r.status, 415, "{r:?}");

    // Uploads: not age, truncated age, too large.
    assert_clean_refusal(
        &http.put_bytes(
            &doc_path(&uuid()),
            b"%PDF-1.4 plaintext!".to_vec(),
            &case_token,
        ),
        400,
        "not_age",
    );
    let meta = DocumentMeta {
        kind: DocumentKind::Attachment,
        name: None,
        media_type: "image/jpeg".into(),
        length: 50_000,
    };
    let good =
        envelope::seal(&keys.recipient(), &meta, &vec![1u8; 50_000][..], Vec::new()).unwrap();
    assert_clean_refusal(
        &http.put_bytes(
            &doc_path(&uuid()),
            good[..good.len() - 100].to_vec(),
            &case_token,
        ),
        400,
        "not_age",
    );
    let big = DocumentMeta {
        length: 300_000,
        ..meta.clone()
    };
    let too_big =
        envelope::seal(&keys.recipient(), &big, &vec![2u8; 300_000][..], Vec::new()).unwrap();
    assert_clean_refusal(
        &http.put_bytes(&doc_path(&uuid()), too_big, &case_token),
        413,
        "too_large",
    );
    let tmp_left: Vec<_> = {
        let mut v = Vec::new();
        amanat_tests::walk(&server.dir().join("blobs/tmp"), &mut v);
        v
    };
    assert!(
        tmp_left.is_empty(),
        "refused uploads left temporary files: {tmp_left:?}"
    );

    // Unknown case and another reviewer's session look the same.
    let bob = foundation.add_staff("bob", "reviewer");
    foundation.publish(&server);
    bob.login(&server, &foundation.fingerprint);
    let bob_token = bob.token();
    let not_granted = http.get(&format!("/v1/cases/{}", sub.case_id), Some(&bob_token));
    let unknown = http.get(&format!("/v1/cases/{}", uuid()), Some(&bob_token));
    assert_clean_refusal(&not_granted, 404, "not_found");
    assert_clean_refusal(&unknown, 404, "not_found");
    assert_eq!(
        not_granted.body, unknown.body,
        "missing and not-yours must be indistinguishable"
    );
    // A complainant session cannot list cases or read another case.
    assert_eq!(http.get("/v1/cases", Some(&case_token)).status / 100, 4);
    assert_clean_refusal(
        &http.get(&format!("/v1/cases/{}", uuid()), Some(&case_token)),
        404,
        "not_found",
    );

    // Forged, garbage and logged-out tokens.
    assert_clean_refusal(
        &http.get(
            "/v1/cases",
            Some("forged-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ),
        401,
        "unauthorized",
    );
    assert_clean_refusal(&http.get("/v1/cases", Some("")), 401, "unauthorized");
    assert_clean_refusal(&http.get("/v1/cases", None), 401, "unauthorized");
    let r = http.send(
        http.request("DELETE", "/v1/auth/session")
            .bearer_auth(&bob_token),
    );
    assert_eq!(r.status, 204, "{r:?}");
    assert_clean_refusal(
        &http.get("/v1/cases", Some(&bob_token)),
        401,
        "unauthorized",
    );

    // Paths that try to escape.
    for path in [
        "/v1/cases/..%2F..%2Fetc%2Fpasswd",
        "/v1/cases/../../etc/passwd",
        "/v1/cases/%00",
        "/v1/nothing-here",
    ] {
        let r = http.get(path, Some(&alice_token));
        assert!(r.status == 400 || r.status == 404, "{path}: {r:?}");
        assert!(r.json.is_some(), "{path}: not JSON");
    }

    assert!(server.is_running());
    assert_eq!(server.http().get("/v1/health", None).status, 200);
    let after = snapshot(&server, &alice_token);
    assert!(!before.blobs.is_empty());
    assert_eq!(before, after, "a refused request changed what was stored");
}

#[test]
fn expired_tokens_are_refused() {
    let foundation = Foundation::new();
    let alice = foundation.add_staff("alice", "reviewer");
    let server = Server::start_with(
        &foundation.root_public,
        ServerOptions {
            backend: Backend::Sqlite,
            max_document_bytes: None,
            session_ttl_secs: Some(1),
        },
    );
    foundation.publish(&server);
    alice.login(&server, &foundation.fingerprint);
    let token = alice.token();
    // Not a timing assertion: only waits past a one-second lifetime.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_clean_refusal(
        &server.http().get("/v1/cases", Some(&token)),
        401,
        "unauthorized",
    );
    let out = alice.cli.run(&["staff", "cases"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("expired"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn key_substitution_is_refused_and_nothing_is_uploaded() {
    // The real foundation's fingerprint is pinned; the server was set up with another root
    // and serves that root's keyring (its "reviewers" are the attacker's keys).
    let real = Foundation::new();
    real.add_staff("aigerim", "reviewer");
    let attacker = Foundation::new();
    attacker.add_staff("mallory", "reviewer");
    let server = Server::start(&attacker.root_public, Backend::Sqlite);
    attacker.publish(&server);

    let complainant = Cli::new();
    std::fs::write(complainant.path("poa.pdf"), b"%PDF-1.4 secret").unwrap();
    let out = complainant.run(&[
        "submit",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        &real.fingerprint,
        "--poa",
        "poa.pdf",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not by the pinned root"), "{stderr}");
    assert!(stderr.contains("Do not send anything"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("CODENAME"));
    assert!(
        server.blob_files().is_empty(),
        "something was uploaded: {:?}",
        server.blob_files()
    );
    let mallory_view = attacker.add_staff("mallory2", "reviewer");
    attacker.publish(&server);
    mallory_view.login(&server, &attacker.fingerprint);
    assert_eq!(
        mallory_view.cli.ok(&["staff", "cases"]).trim(),
        "No cases yet."
    );
}

/// A server set up with another root, pointed at a database that already holds a keyring:
/// it refuses to start and says why, rather than answering every keyring request with a 500
/// (found by running B4 twice against one PostgreSQL database).
#[test]
fn a_server_refuses_another_roots_database() {
    let first = Foundation::new();
    first.add_staff("alice", "reviewer");
    let server = Server::start(&first.root_public, Backend::Sqlite);
    first.publish(&server);
    let db = server.dir().join("amanat.db");
    assert!(
        db.exists(),
        "expected the SQLite database at {}",
        db.display()
    );

    let second = Foundation::new();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("srv");
    let bin = amanat_tests::bin("amanat-server");
    let init = std::process::Command::new(&bin)
        .args(["init", "--data"])
        .arg(&dir)
        .args(["--root-key", &second.root_public, "--database-url"])
        .arg(format!("sqlite://{}", db.display()))
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let mut child = std::process::Command::new(&bin)
        .arg("serve")
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started on another root's database and kept running");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let serve = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&serve.stderr);
    assert!(!serve.status.success(), "it started: {said}");
    assert!(said.contains("another root key"), "{said}");
    assert!(!String::from_utf8_lossy(&serve.stdout).contains("listening on"));
    // The first server's data is untouched and it still serves its keyring.
    let r = server.http().get("/v1/keyring", None);
    assert_eq!(r.status, 200, "{r:?}");
}

fn uuid() -> String {
    amanat_protocol::ids::DocumentId::random().to_string()
}
