//! Several identical `amanat-server` processes on one PostgreSQL database and one S3 bucket
//! (moto in CI), as behind a load balancer: clients move between them from one request to the
//! next, a resumable upload started on one finishes on another, a puzzle spent on one is
//! refused by the others, all serve one log, and one killed with SIGKILL under load costs no
//! receipt and no document.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use amanat_protocol::DocumentId;
use amanat_protocol::pow::{self, Purpose, Solution};
use amanat_tests::bucket::TestBucket;
use amanat_tests::faults::Balancer;
use amanat_tests::{Backend, Cli, Server, ServerOptions, parse_submit};
use support::{
    World, assert_refusal, client, create_upload, finish_upload, logged_documents, patch_upload,
    sealed, sha256, verify_receipts,
};

const MIB: usize = 1024 * 1024;

/// A world on PostgreSQL and a fresh bucket, or `None` where either is not configured.
fn world() -> Option<(World, TestBucket)> {
    let backend = Backend::postgres_from_env()?;
    let bucket = TestBucket::fresh()?;
    let env = bucket.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let opts = ServerOptions {
        backend,
        max_document_bytes: None,
        session_ttl_secs: None,
    };
    Some((World::new(opts, &env), bucket))
}

fn receipts_of(cli: &Cli) -> Vec<String> {
    let dir = cli.path("receipts");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

#[test]
fn three_instances_share_one_database_and_one_bucket() {
    let Some((w, bucket)) = world() else {
        return;
    };
    let b = w.server.twin();
    let c = w.server.twin();
    let servers: [&Server; 3] = [&w.server, &b, &c];

    // Complainants through the real CLI, each on the next instance.
    let mut receipts = Vec::new();
    for i in 0..6 {
        let cli = Cli::new();
        let args = w.submit_args(&cli, &servers[i % 3].url);
        let out = cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        parse_submit(&out);
        receipts.extend(receipts_of(&cli));
    }
    assert_eq!(receipts.len(), 6, "one receipt per appeal form");

    // One resumable upload, request by request on another instance: created on A, 8 MiB on
    // B, 8 MiB on C, the rest on A, finished on B.
    let case = w.new_case();
    let doc = DocumentId::random();
    let body = sealed(&case.keys, 20 * MIB, 13);
    let (ha, hb, hc) = (client(&w.server), client(&b), client(&c));
    let created = create_upload(&ha, &case, &doc, body.len());
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json.unwrap()["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = patch_upload(&hb, &case, &id, 0, &body[..8 * MIB]);
    assert_eq!(r.status, 204, "{r:?}");
    let r = patch_upload(&hc, &case, &id, 8 * MIB, &body[8 * MIB..16 * MIB]);
    assert_eq!(r.status, 204, "{r:?}");
    // A chunk resent to another instance at an offset already passed is told where it is.
    let stale = patch_upload(&ha, &case, &id, 8 * MIB, &body[8 * MIB..16 * MIB]);
    assert_refusal(&stale, 409, "offset_mismatch");
    assert_eq!(
        stale.json.as_ref().unwrap()["offset"],
        16 * MIB,
        "{stale:?}"
    );
    // A chunk too small to be an S3 part (and not the last) is refused, nothing kept.
    let small = patch_upload(&ha, &case, &id, 16 * MIB, &body[16 * MIB..16 * MIB + 1024]);
    assert_refusal(&small, 400, "chunk_too_small");
    let state = hc.get(&format!("/v1/uploads/{id}"), Some(&case.token));
    assert_eq!(state.json.unwrap()["offset"], 16 * MIB);
    let r = patch_upload(&ha, &case, &id, 16 * MIB, &body[16 * MIB..]);
    assert_eq!(r.status, 204, "{r:?}");
    let done = finish_upload(&hb, &case, &id, &sha256(&body));
    assert_eq!(done.status, 201, "{done:?}");
    let receipt = done.json.unwrap()["receipt"].as_str().unwrap().to_owned();
    receipts.push(receipt);
    // The finished upload's parts are gone; the blob is at its content address.
    assert_eq!(bucket.multipart_uploads(), 0);
    assert!(
        bucket.blob_names().contains(&support::hex(&sha256(&body))),
        "the upload's blob is not in the bucket"
    );

    // A puzzle solved for A and spent there is refused by B and C.
    let puzzle = ha.puzzle(Purpose::Auth);
    let header = Solution {
        seed: puzzle.seed.clone(),
        nonce: pow::solve(&puzzle.seed, puzzle.bits, puzzle.purpose).unwrap(),
    }
    .to_header();
    let challenge = |http: &amanat_tests::http::Client| {
        http.send(
            http.request("POST", "/v1/auth/challenge")
                .header("content-type", "application/json")
                .header(pow::HEADER, &header)
                .body(
                    serde_json::json!({ "public_key": amanat_protocol::encoding::b64(&[9u8; 32]) })
                        .to_string(),
                ),
        )
    };
    assert_eq!(challenge(&ha).status, 200);
    for http in [&hb, &hc] {
        let again = challenge(http);
        assert_refusal(&again, 400, "bad_pow");
        assert!(
            again.json.unwrap()["message"]
                .as_str()
                .unwrap()
                .contains("already been used")
        );
    }

    // One log: every instance serves the same checkpoint, and every receipt verifies.
    let checkpoints: Vec<String> = servers
        .iter()
        .map(|s| {
            let r = s.http().get("/v1/log/checkpoint", None);
            assert_eq!(r.status, 200, "{r:?}");
            let text = String::from_utf8(r.body).unwrap();
            // The note's body (origin, size, root); signatures may differ in time only.
            text.lines().take(3).collect::<Vec<_>>().join("\n")
        })
        .collect();
    assert!(
        checkpoints.windows(2).all(|p| p[0] == p[1]),
        "{checkpoints:?}"
    );
    let entries = w.log_entries();
    assert_eq!(
        verify_receipts(&w.log_verifier(), &entries, &receipts),
        receipts.len()
    );
    let docs = logged_documents(&entries);
    assert_eq!(w.check_documents(&docs), docs.len());
    let audit = w.audit();
    assert_eq!(audit["problems"], serde_json::json!([]), "{audit}");
    assert_eq!(audit["cases_with_appeal_form"], 7, "{audit}");
}

#[test]
fn an_instance_killed_under_load_loses_nothing() {
    let Some((w, bucket)) = world() else {
        return;
    };
    let mut b = w.server.twin();
    let balancer = Balancer::for_urls(&[&w.server.url, &b.url]);
    let b_log = Arc::new(b.log.clone());
    let url = balancer.url();
    let w = Arc::new(w);
    let receipts = Arc::new(Mutex::new(Vec::new()));
    let resent = Arc::new(Mutex::new(0usize));
    // Each case carries a multi-chunk attachment, so uploads are in flight when B dies.
    let video: Vec<u8> = (0..12 * MIB as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (w, receipts, url, video) =
                (w.clone(), receipts.clone(), url.clone(), video.clone());
            let (resent, b_log) = (resent.clone(), b_log.clone());
            thread::spawn(move || {
                for _ in 0..4 {
                    let cli = Cli::new();
                    std::fs::write(cli.path("video.mp4"), &video).unwrap();
                    let mut args = w.submit_args(&cli, &url);
                    args.extend(["--attach".to_owned(), "video.mp4".to_owned()]);
                    // The balancer sends a cut client's retries to the instance still up,
                    // which takes its upload over where the dead one left it. A request
                    // that was not a read or an upload and died with B fails the run; the
                    // person sends the case again.
                    loop {
                        let out = cli.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
                        receipts.lock().unwrap().extend(receipts_of(&cli));
                        if out.status.success() {
                            break;
                        }
                        let said = String::from_utf8_lossy(&out.stderr).into_owned();
                        let logs = format!(
                            "{}{}",
                            w.server.log_text(),
                            std::fs::read_to_string(&*b_log).unwrap_or_default()
                        );
                        let errors: String = logs
                            .lines()
                            .filter(|l| l.contains("ERROR") || l.contains("WARN"))
                            .map(|l| format!("{l}\n"))
                            .collect();
                        assert!(
                            said.contains("could not reach the server"),
                            "{said}\nthe servers' errors and warnings:\n{errors}"
                        );
                        *resent.lock().unwrap() += 1;
                        std::fs::remove_dir_all(cli.path("receipts")).ok();
                    }
                }
            })
        })
        .collect();
    // Kill B once a few cases are in, with most still to come.
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    while receipts.lock().unwrap().len() < 6 {
        assert!(std::time::Instant::now() < deadline, "no case went through");
        thread::sleep(Duration::from_millis(20));
    }
    b.kill();
    let at_kill = balancer.connections();
    for t in workers {
        t.join().unwrap();
    }
    let receipts = receipts.lock().unwrap().clone();
    let resent = *resent.lock().unwrap();
    assert!(
        receipts.len() >= 32,
        "16 cases of two documents, all stored"
    );
    let after = balancer.connections();
    assert!(
        at_kill[1] > 0,
        "B took no connection before it died: {at_kill:?}"
    );
    assert!(
        after[0] > at_kill[0],
        "A took nothing after B died: {after:?}"
    );
    let entries = w.log_entries();
    assert_eq!(
        verify_receipts(&w.log_verifier(), &entries, &receipts),
        receipts.len()
    );
    let docs = logged_documents(&entries);
    assert_eq!(w.check_documents(&docs), docs.len());
    let audit = w.audit();
    assert_eq!(audit["problems"], serde_json::json!([]), "{audit}");
    // A run cut after its form was stored leaves that case; it is sent again as a new one.
    let cases = audit["cases_with_appeal_form"].as_u64().unwrap();
    assert!((16..=16 + resent as u64).contains(&cases), "{audit}");
    assert_eq!(
        bucket.multipart_uploads(),
        0,
        "every upload completed or was aborted"
    );
    eprintln!(
        "instances: {} receipts verified, {resent} runs sent again; connections A, B before the kill {at_kill:?}, after {after:?}",
        receipts.len()
    );
}

/// `amanat-server migrate-blobs` takes a server from its folder to a bucket (then it serves
/// every document from there and `verify` re-hashes them there), and back to a folder.
#[test]
fn blobs_move_from_a_folder_to_a_bucket_and_back() {
    let Some(backend) = Backend::postgres_from_env() else {
        return;
    };
    let Some(bucket) = TestBucket::fresh() else {
        return;
    };
    let opts = ServerOptions {
        backend,
        max_document_bytes: None,
        session_ttl_secs: None,
    };
    let mut w = World::new(opts, &[]);
    let mut receipts = Vec::new();
    let video: Vec<u8> = (0..10 * MIB as u32).map(|i| (i ^ (i >> 7)) as u8).collect();
    for _ in 0..2 {
        let cli = Cli::new();
        std::fs::write(cli.path("video.mp4"), &video).unwrap();
        let mut args = w.submit_args(&cli, &w.server.url);
        args.extend(["--attach".to_owned(), "video.mp4".to_owned()]);
        cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        receipts.extend(receipts_of(&cli));
    }
    let folder = w.server.dir().join("blobs");
    let before = amanat_tests::walk_blob_names(&folder);
    assert_eq!(before.len(), 4, "{before:?}");

    let config = w.server.dir().join("config.toml");
    // `from_bucket`: the server's configuration names the bucket (through the environment).
    let migrate = |to: &str, from_bucket: bool| {
        let out = std::process::Command::new(amanat_tests::bin("amanat-server"))
            .arg("migrate-blobs")
            .arg("--config")
            .arg(&config)
            .args([
                "--to",
                to,
                "--s3-endpoint",
                &bucket.endpoint,
                "--s3-path-style",
            ])
            .envs(
                bucket
                    .env()
                    .into_iter()
                    .filter(|(k, _)| from_bucket || k.starts_with("AWS_")),
            )
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "to {to} (from the bucket: {from_bucket}): {text}"
        );
        text
    };
    let to = format!("s3://{}/{}", bucket.bucket, bucket.prefix);
    let said = migrate(&to, false);
    assert!(said.contains("4 blobs copied, 0 already there"), "{said}");
    assert_eq!(bucket.blob_names(), before);
    // Again: nothing to copy, everything checked.
    let said = migrate(&to, false);
    assert!(said.contains("0 blobs copied, 4 already there"), "{said}");

    // Switch: the folder is moved away, so every document must come from the bucket.
    std::fs::rename(&folder, w.server.dir().join("blobs.old")).unwrap();
    w.server.env.extend(bucket.env());
    w.server.restart();
    let entries = w.log_entries();
    let docs = logged_documents(&entries);
    assert_eq!(w.check_documents(&docs), 4);
    assert_eq!(
        verify_receipts(&w.log_verifier(), &entries, &receipts),
        receipts.len()
    );
    let verify = std::process::Command::new(amanat_tests::bin("amanat-server"))
        .arg("verify")
        .arg("--config")
        .arg(&config)
        .envs(bucket.env())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && said.contains("verified: 4 documents"),
        "{said}{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    // And back to a new folder, byte for byte.
    let back = w.server.dir().join("blobs.back");
    let said = migrate(back.to_str().unwrap(), true);
    assert!(said.contains("4 blobs copied"), "{said}");
    assert_eq!(amanat_tests::walk_blob_names(&back), before);
}

/// An S3 store that cannot be reached is `503 storage_unavailable` with a JSON body and a
/// `Retry-After`, not a 500; the server goes on, and serves again once the store is back.
/// A server whose bucket does not answer at start says so and does not start.
#[test]
fn an_unreachable_bucket_is_503_then_recovers() {
    let Some(backend) = Backend::postgres_from_env() else {
        return;
    };
    let Some(bucket) = TestBucket::fresh() else {
        return;
    };
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    // At start: refused, with the reason.
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("srv");
    let root = amanat_tests::Foundation::new().root_public;
    let init = std::process::Command::new(amanat_tests::bin("amanat-server"))
        .args(["init", "--data"])
        .arg(&dir)
        .args(["--root-key", &root])
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let mut env = bucket.env();
    env.retain(|(k, _)| k != "AMANAT_S3_ENDPOINT");
    let serve = std::process::Command::new(amanat_tests::bin("amanat-server"))
        .arg("serve")
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(["--listen", "127.0.0.1:0"])
        .envs(env)
        .env("AMANAT_S3_ENDPOINT", &closed)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&serve.stderr);
    assert!(
        !serve.status.success() && said.contains("does not answer"),
        "{said}"
    );

    // While serving: the store goes away behind a proxy, then comes back.
    let proxy = amanat_tests::faults::Proxy::for_url(&bucket.endpoint);
    let mut env = bucket.env();
    for (k, v) in env.iter_mut() {
        if k == "AMANAT_S3_ENDPOINT" {
            *v = proxy.plain_url();
        }
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let opts = ServerOptions {
        backend,
        max_document_bytes: None,
        session_ttl_secs: None,
    };
    let w = World::new(opts, &env);
    let case = w.new_case();
    w.reviewer.login(&w.server, &w.foundation.fingerprint);
    let token = w.reviewer.token();
    let http = client(&w.server);
    let detail = http.get(&format!("/v1/cases/{}", case.id), Some(&token));
    let doc = detail.json.unwrap()["documents"][0]["document_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/cases/{}/documents/{doc}", case.id);
    assert_eq!(http.get(&path, Some(&token)).status, 200);

    proxy.set_upstream_url(&closed);
    proxy.arm(0, amanat_tests::faults::Fault::Cut); // the kept-alive connection goes too
    let refused = http.get(&path, Some(&token));
    assert_refusal(&refused, 503, "storage_unavailable");
    assert!(refused.headers.contains_key("retry-after"), "{refused:?}");
    assert_eq!(w.server.http().get("/v1/health", None).status, 200);

    proxy.set_upstream_url(&bucket.endpoint);
    let back = http.get(&path, Some(&token));
    assert_eq!(back.status, 200, "{back:?}");
}

/// The whole move the deploy guide describes: a server on the embedded default (SQLite and a
/// folder) is stopped, `migrate-database` copies it into PostgreSQL and `migrate-blobs` into
/// a bucket, and it comes back as two instances that serve every old document and receipt.
#[test]
fn the_embedded_default_moves_to_two_instances() {
    let Some(Backend::Postgres(pg)) = Backend::postgres_from_env() else {
        return;
    };
    let Some(bucket) = TestBucket::fresh() else {
        return;
    };
    let opts = ServerOptions {
        backend: Backend::Sqlite,
        max_document_bytes: None,
        session_ttl_secs: None,
    };
    let mut w = World::new(opts, &[]);
    let mut receipts = Vec::new();
    let video: Vec<u8> = (0..9 * MIB as u32).map(|i| (i ^ (i >> 5)) as u8).collect();
    for _ in 0..2 {
        let cli = Cli::new();
        std::fs::write(cli.path("video.mp4"), &video).unwrap();
        let mut args = w.submit_args(&cli, &w.server.url);
        args.extend(["--attach".to_owned(), "video.mp4".to_owned()]);
        cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        receipts.extend(receipts_of(&cli));
    }
    let before = w.log_entries();
    w.server.kill();

    let config = w.server.dir().join("config.toml");
    let run = |args: &[&str], env: &[(String, String)]| {
        let out = std::process::Command::new(amanat_tests::bin("amanat-server"))
            .args(args)
            .arg("--config")
            .arg(&config)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    let said = run(&["migrate-database", "--to", &pg], &[]);
    assert!(
        said.contains("copied log_entries:") && said.contains("verified: 4 documents"),
        "{said}"
    );
    // A second copy into the same database is refused: it is no longer empty.
    let again = std::process::Command::new(amanat_tests::bin("amanat-server"))
        .args(["migrate-database", "--to", &pg, "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a keyring"));
    let aws: Vec<(String, String)> = bucket
        .env()
        .into_iter()
        .filter(|(k, _)| k.starts_with("AWS_"))
        .collect();
    let to = format!("s3://{}/{}", bucket.bucket, bucket.prefix);
    let said = run(
        &[
            "migrate-blobs",
            "--to",
            &to,
            "--s3-endpoint",
            &bucket.endpoint,
            "--s3-path-style",
        ],
        &aws,
    );
    assert!(said.contains("4 blobs copied"), "{said}");

    // Back as two instances on PostgreSQL and the bucket; the SQLite file and the folder
    // are moved away, so nothing can come from them.
    std::fs::rename(
        w.server.dir().join("blobs"),
        w.server.dir().join("blobs.old"),
    )
    .unwrap();
    std::fs::rename(
        w.server.dir().join("amanat.db"),
        w.server.dir().join("amanat.db.old"),
    )
    .unwrap();
    w.server.env.extend(bucket.env());
    w.server
        .env
        .push(("AMANAT_DATABASE_URL".into(), pg.clone()));
    w.server.restart();
    let twin = w.server.twin();
    assert_eq!(w.log_entries(), before, "the log moved unchanged");
    let docs = logged_documents(&before);
    assert_eq!(w.check_documents(&docs), 4);
    assert_eq!(
        verify_receipts(&w.log_verifier(), &before, &receipts),
        receipts.len()
    );
    // Both instances take new cases, and the log goes on from where it was.
    for server in [&w.server, &twin] {
        let cli = Cli::new();
        let args = w.submit_args(&cli, &server.url);
        cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let audit = w.audit();
    assert_eq!(audit["problems"], serde_json::json!([]), "{audit}");
    assert_eq!(audit["cases_with_appeal_form"], 4, "{audit}");
    assert!(w.log_entries().starts_with(&before));
}
