//! The foundation journey through the real binaries: admin makes a root key and keyring,
//! a complainant submits an encrypted case, a reviewer decrypts it locally — and the
//! server, its database, its blobs and its log never see a single plaintext canary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use amanat_tests::{
    Backend, Cli, Foundation, Server, ServerOptions, parse_submit, privacy, random_hex,
};

struct Canaries {
    surname: String,
    description: String,
    poa_content: String,
    attachment_content: String,
    attachment_name: String,
}

impl Canaries {
    fn new() -> Self {
        let tag = random_hex(6);
        let c = Canaries {
            surname: format!("Канарейкина{tag}"),
            description: format!("canary-description-{tag}"),
            poa_content: format!("CANARY-PASSPORT-N{tag}"),
            attachment_content: format!("canary-attachment-{tag}"),
            attachment_name: format!("canary-filename-{tag}.jpg"),
        };
        // The server's log is scanned for them too, when the server is dropped.
        for content in [
            &c.surname,
            &c.description,
            &c.poa_content,
            &c.attachment_content,
        ] {
            privacy::content(content);
        }
        privacy::file_name(&c.attachment_name);
        c
    }

    fn all(&self) -> Vec<&str> {
        vec![
            &self.surname,
            &self.description,
            &self.poa_content,
            &self.attachment_content,
            &self.attachment_name,
        ]
    }
}

fn journey(backend: Backend) {
    journey_with(backend, &[]);
}

/// The journey on a server started with `env` (e.g. an S3 blob store).
fn journey_with(backend: Backend, env: &[(String, String)]) {
    let foundation = Foundation::new();
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let server = Server::start_with_env(
        &foundation.root_public,
        ServerOptions {
            backend,
            max_document_bytes: None,
            session_ttl_secs: None,
        },
        &env,
    );
    let published = foundation.publish(&server);
    assert!(
        published.contains("accepted keyring version 1"),
        "{published}"
    );

    // The complainant: a fresh HOME, a form and two files full of canaries.
    let c = Canaries::new();
    let complainant = Cli::new();
    let form = serde_json::json!({
        "version": 1, "language": "ru",
        "identity": {"surname": c.surname, "given_name": "Әйгерім", "age": 29, "city": "Алматы"},
        "incidents": [{"event": "rally-2018-05-10", "date": "2018-05-10", "description": c.description}],
        "consent": {"publish_name": true}
    });
    std::fs::write(
        complainant.path("appeal.json"),
        serde_json::to_vec(&form).unwrap(),
    )
    .unwrap();
    std::fs::write(
        complainant.path("poa.pdf"),
        format!("%PDF-1.4 {} signed", c.poa_content),
    )
    .unwrap();
    let mut attachment = c.attachment_content.clone().into_bytes();
    attachment.extend((0..300_000u32).map(|i| (i % 251) as u8));
    std::fs::write(complainant.path(&c.attachment_name), &attachment).unwrap();

    let out = complainant.ok(&[
        "submit",
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
        "--root",
        &foundation.fingerprint,
        "--form",
        "appeal.json",
        "--poa",
        "poa.pdf",
        "--attach",
        &c.attachment_name,
    ]);
    let submitted = parse_submit(&out);
    assert_eq!(submitted.stdout.matches("sent ").count(), 3, "{out}");

    // The reviewer: login, list, open, and find exactly what was sent.
    reviewer.login(&server, &foundation.fingerprint);
    let cases = reviewer.cli.ok(&["staff", "cases"]);
    let line = cases
        .lines()
        .find(|l| l.starts_with(&submitted.case_id))
        .unwrap_or_else(|| panic!("{cases}"));
    assert!(
        line.contains("new")
            && line.contains("appeal-form")
            && line.contains("power-of-attorney")
            && line.contains("attachment"),
        "{line}"
    );

    reviewer.cli.ok(&[
        "staff",
        "open",
        &submitted.case_id,
        "--out",
        "case",
        "--key",
        "staff.key",
    ]);
    let case_dir = reviewer.cli.path("case");
    let mut names: Vec<String> = std::fs::read_dir(&case_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    let read = |prefix: &str| {
        let n = names
            .iter()
            .find(|n| n.contains(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {names:?}"));
        std::fs::read(case_dir.join(n)).unwrap()
    };
    let form_back: serde_json::Value = serde_json::from_slice(&read("appeal-form")).unwrap();
    assert_eq!(form_back["identity"]["surname"], c.surname.as_str());
    assert_eq!(
        read("power-of-attorney"),
        format!("%PDF-1.4 {} signed", c.poa_content).into_bytes()
    );
    assert_eq!(read(&c.attachment_name), attachment);

    // Canaries: every byte the server wrote, including its log, holds none of them.
    let stored = server.all_stored_bytes();
    assert!(
        stored.iter().any(|(p, _)| p.contains("blobs")),
        "no blobs found among {:?}",
        stored.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    for canary in c.all() {
        for (path, bytes) in &stored {
            assert!(
                !contains(bytes, canary.as_bytes()),
                "canary {canary:?} found in {path}"
            );
            assert!(
                !path.contains(canary),
                "canary {canary:?} in a file name: {path}"
            );
        }
        // The form's fields are also looked for in the encodings a careless server might use.
        let hex = amanat_protocol::encoding::hex(canary.as_bytes());
        let b64 = amanat_protocol::encoding::b64(canary.as_bytes());
        for (path, bytes) in &stored {
            assert!(
                !contains(bytes, hex.as_bytes()) && !contains(bytes, b64.as_bytes()),
                "encoded canary in {path}"
            );
        }
    }
    let log = server.log_text();
    let server_port = server.url.rsplit(':').next().unwrap();
    for (i, _) in log.match_indices("127.0.0.1") {
        let port: String = log[i + 9..]
            .trim_start_matches(':')
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        assert!(
            port.is_empty() || port == server_port,
            "the log names a client address: {}",
            &log[i..(i + 30).min(log.len())]
        );
    }
    assert!(
        !log.contains(&reviewer.token()),
        "the log contains a session token"
    );

    interop_with_reference_age(&server, &reviewer, &submitted.case_id, &c.poa_content);
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Debian's `age` CLI opens what Amanat stored: the reviewer's identity opens the grant,
/// the case identity in it opens the document.
fn interop_with_reference_age(
    server: &Server,
    reviewer: &amanat_tests::Staff,
    case_id: &str,
    poa_canary: &str,
) {
    if Command::new("age").arg("--version").output().is_err() {
        assert!(
            std::env::var("CI").is_err(),
            "the reference `age` CLI must be installed in CI (apt-get install age)"
        );
        eprintln!("skipped interop: `age` is not installed");
        return;
    }
    let http = server.http();
    let token = reviewer.token();
    let detail = http.get(&format!("/v1/cases/{case_id}"), Some(&token));
    assert_eq!(detail.status, 200, "{detail:?}");
    let detail = detail.json.unwrap();
    let grant =
        amanat_protocol::encoding::from_b64("grant", detail["grant"].as_str().unwrap()).unwrap();
    let poa = detail["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "power-of-attorney")
        .unwrap();
    let doc = http.get(
        &format!(
            "/v1/cases/{case_id}/documents/{}",
            poa["document_id"].as_str().unwrap()
        ),
        Some(&token),
    );
    assert_eq!(doc.status, 200);

    let dir = tempfile::tempdir().unwrap();
    let keys = reviewer.keys();
    use age::secrecy::ExposeSecret;
    std::fs::write(
        dir.path().join("reviewer.txt"),
        keys.identity().to_string().expose_secret(),
    )
    .unwrap();
    std::fs::write(dir.path().join("grant.age"), &grant).unwrap();
    std::fs::write(dir.path().join("poa.age"), &doc.body).unwrap();

    let g = Command::new("age")
        .args(["-d", "-i"])
        .arg(dir.path().join("reviewer.txt"))
        .arg(dir.path().join("grant.age"))
        .output()
        .unwrap();
    assert!(
        g.status.success(),
        "age could not open the grant: {}",
        String::from_utf8_lossy(&g.stderr)
    );
    let grant_json: serde_json::Value = serde_json::from_slice(&g.stdout).unwrap();
    assert_eq!(grant_json["case_id"], case_id);
    std::fs::write(
        dir.path().join("case.txt"),
        grant_json["identity"].as_str().unwrap(),
    )
    .unwrap();

    let d = Command::new("age")
        .args(["-d", "-i"])
        .arg(dir.path().join("case.txt"))
        .arg(dir.path().join("poa.age"))
        .output()
        .unwrap();
    assert!(
        d.status.success(),
        "age could not open the document: {}",
        String::from_utf8_lossy(&d.stderr)
    );
    assert!(d.stdout.starts_with(b"amanat-document/1\n"));
    assert!(
        contains(&d.stdout, poa_canary.as_bytes()),
        "the decrypted container lacks the content"
    );
}

#[test]
fn journey_sqlite() {
    journey(Backend::Sqlite);
}

#[test]
fn journey_postgres() {
    if let Some(pg) = Backend::postgres_from_env() {
        journey(pg);
    }
}

/// The whole journey with the blobs in an S3 bucket (moto in CI) and PostgreSQL: nothing of
/// the case may reach the bucket either, and the folder blob store stays empty.
#[test]
fn journey_s3() {
    let Some(backend) = Backend::postgres_from_env() else {
        return;
    };
    let Some(bucket) = amanat_tests::bucket::TestBucket::fresh() else {
        return;
    };
    journey_with(backend, &bucket.env());
    let blobs = bucket.blob_names();
    assert!(
        blobs.len() >= 3,
        "the case's documents are in the bucket: {blobs:?}"
    );
    assert_eq!(bucket.multipart_uploads(), 0, "no upload may be left open");
}
