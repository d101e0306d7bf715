//! The submission page in a real browser (issue 11): Debian's Chromium, driven by
//! `web/test/drive.mjs` (playwright-core), against the real `amanat-server` on 127.0.0.1
//! over TLS; what the page sent is then read back with the real CLI and Debian's `age`.
//! `AMANAT_REQUIRE_BROWSER=1` (CI) makes a missing Chromium or `web/node_modules` a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use age::secrecy::ExposeSecret;
use amanat_tests::{Backend, Cli, Foundation, Server, case_keys, privacy, random_hex};
use serde_json::{Value, json};

use amanat_tests::browser::repo;

fn shots() -> PathBuf {
    repo().join("target/amanat-web")
}

fn browser_ready() -> bool {
    amanat_tests::browser::ready()
}

/// True when `web/node_modules` is installed (`npm ci --prefix web`).
fn node_ready() -> bool {
    if repo().join("web/node_modules/esbuild").exists() {
        return true;
    }
    let why = "the page's tests need web/node_modules: run `npm ci --prefix web`";
    assert!(std::env::var("AMANAT_REQUIRE_BROWSER").is_err(), "{why}");
    eprintln!("skipped: {why}");
    false
}

fn node(args: &[&str]) -> String {
    let out = Command::new("node")
        .args(args)
        .current_dir(repo().join("web"))
        .output()
        .expect("node is installed");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "node {args:?} failed:\n{text}");
    text
}

/// The committed bundle the server embeds is byte for byte what `web/` builds (esbuild
/// pinned by the lockfile), so anyone can rebuild it and compare with the signed manifest.
#[test]
fn web_dist_is_what_the_sources_build() {
    if !node_ready() {
        return;
    }
    let out = node(&["build.mjs", "--check"]);
    assert!(out.contains("matches a fresh build"), "{out}");
}

/// The page's protocol code against the Rust crate's vectors (Node's test runner).
#[test]
fn web_protocol_unit_tests() {
    if !node_ready() {
        return;
    }
    let out = node(&["--test", "test/protocol.test.mjs"]);
    assert!(
        out.contains("# fail 0") && !out.contains("# pass 0"),
        "{out}"
    );
}

/// Runs one plan through the browser; the page must log no error of its own.
fn drive(plan: Value) -> Value {
    let v = amanat_tests::browser::drive(&plan, |_| {});
    let errors = v["consoleErrors"].as_array().cloned().unwrap_or_default();
    assert!(errors.is_empty(), "the page logged errors: {errors:?}");
    v
}

struct Canaries {
    surname: String,
    description: String,
    poa: String,
    attachment: String,
    file_name: String,
}

impl Canaries {
    fn new() -> Self {
        let tag = random_hex(6);
        let c = Canaries {
            surname: format!("Канарейкина{tag}"),
            description: format!("web-canary-description-{tag}"),
            poa: format!("WEB-CANARY-PASSPORT-N{tag}"),
            attachment: format!("web-canary-attachment-{tag}"),
            file_name: format!("web-canary-file-{tag}.jpg"),
        };
        for s in [&c.surname, &c.description, &c.poa, &c.attachment] {
            privacy::content(s);
        }
        privacy::file_name(&c.file_name);
        c
    }

    fn all(&self) -> [&str; 5] {
        [
            &self.surname,
            &self.description,
            &self.poa,
            &self.attachment,
            &self.file_name,
        ]
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A running foundation: root, one reviewer, a server whose keyring names its log.
struct Setup {
    foundation: Foundation,
    reviewer: amanat_tests::Staff,
    server: Server,
}

fn setup() -> Setup {
    let foundation = Foundation::new();
    let reviewer = foundation.add_staff("aigerim", "reviewer");
    let server = Server::start(&foundation.root_public, Backend::Sqlite);
    foundation.set_log(&server);
    foundation.publish(&server);
    reviewer.login(&server, &foundation.fingerprint);
    Setup {
        foundation,
        reviewer,
        server,
    }
}

impl Setup {
    fn case_of(&self, codename: &str) -> String {
        let keys = case_keys(codename, &self.foundation.fingerprint);
        let http = self.server.http();
        let token = http.login(keys.auth());
        privacy::token(&token);
        let me = http.get("/v1/me", Some(&token));
        assert_eq!(me.status, 200, "{me:?}");
        me.json.unwrap()["case_id"].as_str().unwrap().to_owned()
    }

    fn staff(&self, args: &[&str]) -> String {
        self.reviewer.cli.ok(args)
    }

    fn audit_verify(&self, receipt: &str) -> String {
        Cli::new().ok(&[
            "audit",
            "verify",
            receipt,
            "--root",
            &self.foundation.fingerprint,
            "--server",
            &self.server.url,
            "--server-cert",
            &self.server.cert_sha256,
        ])
    }

    fn reply(&self, case_id: &str, text: &str) {
        let mut child = self
            .reviewer
            .cli
            .cmd()
            .args(["staff", "reply", case_id, "--key", "staff.key"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "staff reply: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn plan_for(s: &Setup, lang: &str, c: &Canaries, dir: &Path, attachments: &[PathBuf]) -> Value {
    json!({
        "mode": "submit",
        "tag": format!("submit-{lang}"),
        "url": s.server.url,
        "root": s.foundation.fingerprint,
        "lang": lang,
        "shots": shots(),
        "receiptDir": dir,
        "invalidFirst": true,
        "form": {
            "fields": {"surname": c.surname, "given_name": "Әйгерім", "patronymic": "Нурлановна",
                       "age": "29", "city": "Алматы", "occupation": "блогер"},
            "checks": ["publish_name", "publish_city"],
            "incidents": [
                {"event": "rally-2018-05-10", "date": "2018-05-10", "city": "Алматы",
                 "place": "площадь Астана", "description": c.description},
                {"event": "social-media-prosecution", "date": "2018-11-02", "description": "пост в чате"}
            ]
        },
        "poa": dir.join("poa.pdf"),
        "attachments": attachments,
    })
}

/// The whole complainant journey in the page, in each language, read back by the reviewer.
#[test]
fn web_submission_in_three_languages() {
    if !browser_ready() {
        return;
    }
    let s = setup();
    for lang in ["kk", "ru", "en"] {
        let c = Canaries::new();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("poa.pdf"),
            format!("%PDF-1.4 {} signed", c.poa),
        )
        .unwrap();
        let mut small = c.attachment.clone().into_bytes();
        small.extend((0..300_000u32).map(|i| (i % 251) as u8));
        let small_path = dir.path().join(&c.file_name);
        std::fs::write(&small_path, &small).unwrap();
        // Over the page's 8 MiB chunk: this one goes through the resumable protocol.
        let big: Vec<u8> = (0..9_500_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        let big_path = dir.path().join("video.mp4");
        std::fs::write(&big_path, &big).unwrap();

        let r = drive(plan_for(
            &s,
            lang,
            &c,
            dir.path(),
            &[small_path.clone(), big_path.clone()],
        ));
        // Bad input first: the page named the fields and sent nothing.
        let problems = r["problems"].as_array().unwrap();
        assert!(problems.len() >= 2, "{problems:?}");
        assert!(r["sent"].as_str().unwrap().contains('4'), "{r:#}");
        assert_eq!(r["receipts"].as_array().unwrap().len(), 4, "{r:#}");
        assert!(r["practiceOk"].as_bool().unwrap(), "{r:#}");
        assert!(r["hidden"].as_bool().unwrap());
        assert_eq!(r["networkErrors"], json!([]), "{r:#}");
        assert_eq!(
            r["storage"],
            json!({"local": 0, "session": 0, "cookies": "", "idb": 0, "caches": 0})
        );
        let requests: Vec<&str> = r["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            requests.iter().all(|q| q.contains(" /v1/")
                || [
                    " /",
                    " /app.js",
                    " /worker.js",
                    " /style.css",
                    " /favicon.svg",
                    " /manifest.json"
                ]
                .iter()
                .any(|p| q.ends_with(p))),
            "unexpected requests: {requests:?}"
        );
        assert!(requests.iter().any(|q| q.starts_with("PATCH /v1/uploads/")));

        let codename = r["codename"].as_str().unwrap().to_owned();
        privacy::codename(&codename);
        let case_id = s.case_of(&codename);

        // The reviewer opens the case with the CLI and finds exactly what was sent.
        let out = format!("case-{lang}");
        s.staff(&[
            "staff",
            "open",
            &case_id,
            "--out",
            &out,
            "--key",
            "staff.key",
        ]);
        let case_dir = s.reviewer.cli.path(&out);
        let names: Vec<String> = std::fs::read_dir(&case_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let read = |part: &str| {
            let n = names
                .iter()
                .find(|n| n.contains(part))
                .unwrap_or_else(|| panic!("no {part} in {names:?}"));
            std::fs::read(case_dir.join(n)).unwrap()
        };
        let form: Value = serde_json::from_slice(&read("appeal-form")).unwrap();
        assert_eq!(form["version"], 2);
        assert_eq!(form["language"], lang);
        assert_eq!(form["identity"]["surname"], c.surname.as_str());
        assert_eq!(form["identity"]["age"], 29);
        assert_eq!(form["incidents"][0]["description"], c.description.as_str());
        assert_eq!(form["incidents"][1]["event"], "social-media-prosecution");
        assert_eq!(form["consent"]["publish_name"], true);
        assert_eq!(form["consent"]["publish_age"], false);
        assert_eq!(
            read("power-of-attorney"),
            format!("%PDF-1.4 {} signed", c.poa).into_bytes()
        );
        assert_eq!(read(&c.file_name), small);
        assert_eq!(read("video.mp4"), big);

        // Every receipt the page saved is one `amanat audit verify` accepts.
        for p in r["receipts"].as_array().unwrap() {
            let out = s.audit_verify(p.as_str().unwrap());
            assert!(out.contains("document received"), "{out}");
        }

        // The same codename gives the CLI the same keys: a reply is read in the page.
        let reply = format!("Мы получили ваши документы ({lang}).");
        s.reply(&case_id, &reply);
        let inbox = drive(json!({
            "mode": "inbox", "tag": format!("inbox-{lang}"), "url": s.server.url,
            "root": s.foundation.fingerprint, "lang": lang, "shots": shots(), "codename": codename,
        }));
        assert_eq!(inbox["replies"], json!([reply]), "{inbox:#}");

        // The reference `age` CLI opens a document with the case identity the codename gives.
        reference_age_opens(&s, &case_id, &codename, c.poa.as_bytes());

        for canary in c.all() {
            for (path, bytes) in &s.server.all_stored_bytes() {
                assert!(
                    !contains(bytes, canary.as_bytes()),
                    "{canary:?} found in {path}"
                );
            }
        }
    }
}

fn reference_age_opens(s: &Setup, case_id: &str, codename: &str, canary: &[u8]) {
    let http = s.server.http();
    let token = s.reviewer.token();
    let detail = http
        .get(&format!("/v1/cases/{case_id}"), Some(&token))
        .json
        .unwrap();
    let poa = detail["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "power-of-attorney")
        .unwrap()
        .clone();
    let doc = http.get(
        &format!(
            "/v1/cases/{case_id}/documents/{}",
            poa["document_id"].as_str().unwrap()
        ),
        Some(&token),
    );
    let dir = tempfile::tempdir().unwrap();
    let keys = case_keys(codename, &s.foundation.fingerprint);
    std::fs::write(
        dir.path().join("case.txt"),
        keys.identity().to_string().expose_secret(),
    )
    .unwrap();
    std::fs::write(dir.path().join("poa.age"), &doc.body).unwrap();
    let d = Command::new("age")
        .args(["-d", "-i"])
        .arg(dir.path().join("case.txt"))
        .arg(dir.path().join("poa.age"))
        .output()
        .expect("Debian's age is installed");
    assert!(
        d.status.success(),
        "age: {}",
        String::from_utf8_lossy(&d.stderr)
    );
    assert!(d.stdout.starts_with(b"amanat-document/1\n"));
    assert!(contains(&d.stdout, canary));
}

/// Tor Browser's "Safer" level turns off the JIT and WebAssembly; Chromium's `--jitless` is
/// the stand-in. The page falls back to pure-JavaScript Argon2id and still submits a case a
/// reviewer can read.
#[test]
fn web_submission_without_jit() {
    if !browser_ready() {
        return;
    }
    let s = setup();
    let c = Canaries::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("poa.pdf"),
        format!("%PDF-1.4 {} signed", c.poa),
    )
    .unwrap();
    let mut plan = plan_for(&s, "en", &c, dir.path(), &[]);
    plan["jitless"] = json!(true);
    plan["tag"] = json!("jitless");
    plan["invalidFirst"] = json!(false);
    let r = drive(plan);
    assert!(r["sent"].as_str().unwrap().contains('2'), "{r:#}");
    assert_eq!(
        r["kdf"].as_str().map(|k| k.starts_with("js ")),
        Some(true),
        "{r:#}"
    );
    eprintln!(
        "jitless: Argon2id {}, whole submission {} s",
        r["kdf"], r["seconds"]
    );
    let codename = r["codename"].as_str().unwrap().to_owned();
    privacy::codename(&codename);
    let case_id = s.case_of(&codename);
    s.staff(&[
        "staff",
        "open",
        &case_id,
        "--out",
        "jitless",
        "--key",
        "staff.key",
    ]);
    let names: Vec<String> = std::fs::read_dir(s.reviewer.cli.path("jitless"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// A complainant whose codename predates KDF v2 (nine words, Argon2id at 64 MiB) reads the
/// foundation's reply with today's CLI and in the page: old codenames keep working.
#[test]
fn a_version_1_codename_still_opens_its_case() {
    use amanat_protocol::codename::{Codename, KdfVersion};
    use amanat_protocol::keyring::{Fingerprint, KeyringPin, SignedKeyring};
    let s = setup();
    let fp = Fingerprint::parse(&s.foundation.fingerprint).unwrap();
    let old = Codename::generate_version(KdfVersion::V1);
    let codename = old.dangerously_reveal().to_owned();
    assert_eq!(codename.split(' ').count(), 9);
    privacy::codename(&codename);
    let keys = old.derive(&fp).unwrap();

    // The case, opened as the CLI of before v2 did it.
    let http = s.server.http();
    let signed: SignedKeyring =
        serde_json::from_slice(&http.get("/v1/keyring", None).body).unwrap();
    let keyring = KeyringPin::new(fp).accept(&signed).unwrap();
    let case_id = amanat_protocol::ids::CaseId::random();
    let grants = keyring
        .keyring()
        .reviewers()
        .map(|r| amanat_protocol::grant::wrap(case_id, keys.identity(), r))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let create = amanat_protocol::wire::CreateCase {
        case_id,
        auth_key: keys.auth_public(),
        commitment: keys.commitment(&case_id).unwrap(),
        keyring_version: keyring.version(),
        grants,
    };
    let r = http.create_case(&serde_json::to_value(&create).unwrap());
    assert_eq!(r.status, 201, "{r:?}");
    let reply = "Ответ для давнего заявителя.";
    s.reply(&case_id.to_string(), reply);

    let mut inbox = Cli::new()
        .cmd()
        .args([
            "inbox",
            "--server",
            &s.server.url,
            "--server-cert",
            &s.server.cert_sha256,
            "--root",
            &s.foundation.fingerprint,
            "--codename-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(inbox.stdin.take().unwrap(), "{codename}").unwrap();
    let out = inbox.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains(reply),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("64 MiB"));

    if browser_ready() {
        let r = drive(json!({
            "mode": "inbox", "tag": "inbox-v1", "url": s.server.url,
            "root": s.foundation.fingerprint, "lang": "ru", "shots": shots(), "codename": codename,
        }));
        assert_eq!(r["replies"], json!([reply]), "{r:#}");
    }
}

fn sha256_file(path: &Path) -> String {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).unwrap();
    let mut h = sha2::Sha256::new();
    std::io::copy(&mut f, &mut h).unwrap();
    amanat_protocol::encoding::hex(&h.finalize())
}

/// A big video from disk (1 GiB; `AMANAT_WEB_RESUME_MIB` to change), the connection cut
/// twice while it uploads: the page waits, asks the server where it is, and carries on; the
/// reviewer gets every byte.
#[test]
fn web_upload_resumes_after_the_connection_is_cut() {
    if !browser_ready() {
        return;
    }
    let mib: u64 = std::env::var("AMANAT_WEB_RESUME_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let s = setup();
    let proxy = amanat_tests::faults::Proxy::for_url(&s.server.url);
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("detention.mp4");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&video).unwrap());
        let mut block = vec![0u8; 1 << 20];
        for i in 0..mib {
            for (j, b) in block.iter_mut().enumerate() {
                *b = ((j as u64).wrapping_mul(31).wrapping_add(i * 7) >> 3) as u8;
            }
            block[..8].copy_from_slice(&i.to_be_bytes());
            f.write_all(&block).unwrap();
        }
    }
    let c = Canaries::new();
    std::fs::write(
        dir.path().join("poa.pdf"),
        format!("%PDF-1.4 {} signed", c.poa),
    )
    .unwrap();
    let size = mib << 20;
    proxy.arm(size * 3 / 10, amanat_tests::faults::Fault::Cut);
    proxy.arm(size * 65 / 100, amanat_tests::faults::Fault::Cut);
    let mut plan = plan_for(&s, "ru", &c, dir.path(), std::slice::from_ref(&video));
    plan["url"] = json!(proxy.url());
    plan["tag"] = json!("resume");
    plan["invalidFirst"] = json!(false);
    let r = drive(plan);
    assert!(r["sent"].as_str().unwrap().contains('3'), "{r:#}");
    let requests: Vec<&str> = r["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // Both cuts happened mid-upload, and the page asked the server where it was (GET
    // /v1/uploads/{id}). (Chromium itself re-sends a request whose reused connection died
    // before any answer, so a cut need not reach the page as an error every time.)
    for _ in 0..2 {
        let at = proxy.wait_for_fault(std::time::Duration::from_secs(5));
        assert!(at > 1 << 20 && at < size, "a cut at byte {at}");
    }
    let asked = requests
        .iter()
        .filter(|q| q.starts_with("GET /v1/uploads/"))
        .count();
    assert!(asked >= 1, "no offset query after the cuts: {requests:?}");
    eprintln!(
        "web resume: {mib} MiB in {} s with two cuts, {asked} offset queries",
        r["seconds"]
    );

    let codename = r["codename"].as_str().unwrap().to_owned();
    privacy::codename(&codename);
    let case_id = s.case_of(&codename);
    s.staff(&[
        "staff",
        "open",
        &case_id,
        "--out",
        "resumed",
        "--key",
        "staff.key",
    ]);
    let got = s.reviewer.cli.path("resumed");
    let name = std::fs::read_dir(&got)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.contains("detention.mp4"))
        .unwrap();
    assert_eq!(sha256_file(&got.join(name)), sha256_file(&video));
}

/// The root signs the page's manifest offline, the server logs it, and `amanat audit web`
/// finds the served page identical; one byte changed in a served file on disk is caught, an
/// old signature replayed and a signature by another root are refused.
#[test]
fn web_manifest_is_signed_logged_and_audited() {
    let foundation = Foundation::new();
    foundation.add_staff("aigerim", "reviewer");
    let dist = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(repo().join("web/dist")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dist.path().join(e.file_name())).unwrap();
    }
    let web_dir = dist.path().to_string_lossy().into_owned();
    let server = Server::start_with_env(
        &foundation.root_public,
        amanat_tests::ServerOptions {
            backend: Backend::Sqlite,
            max_document_bytes: None,
            session_ttl_secs: None,
        },
        &[("AMANAT_WEB_DIR", &web_dir)],
    );
    foundation.set_log(&server);
    foundation.publish(&server);
    let admin = &foundation.admin;
    let srv = [
        "--server",
        &server.url,
        "--server-cert",
        &server.cert_sha256,
    ];
    let out = admin.ok(&[
        "admin",
        "web",
        "sign",
        "--root-key",
        "root.key",
        "--dist",
        &web_dir,
        "--out",
        "sig.json",
    ]);
    assert!(out.contains("Signed the page's manifest"), "{out}");
    let mut publish = vec!["admin", "web", "publish", "sig.json"];
    publish.extend(srv);
    let out = admin.ok(&publish);
    assert!(out.contains("logged the page's manifest"), "{out}");

    let mut audit = vec!["audit", "web", "--root", &foundation.fingerprint];
    audit.extend(srv);
    let out = Cli::new().ok(&audit);
    assert!(out.contains("exactly the page the root signed"), "{out}");
    assert!(
        out.contains("ok       /app.js") && out.contains("ok       /"),
        "{out}"
    );
    let mut log = vec!["audit", "log", "--root", &foundation.fingerprint];
    log.extend(srv);
    assert!(Cli::new().ok(&log).contains("Web page: 1 signed manifest"));

    // The same signature again cannot become "the latest": 409, and nothing logged.
    let replay = admin.run(&publish);
    assert!(!replay.status.success());
    assert!(
        String::from_utf8_lossy(&replay.stderr).contains("not newer than the one already logged"),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    // Another root's signature is refused.
    let other = Foundation::new();
    other.admin.ok(&[
        "admin",
        "web",
        "sign",
        "--root-key",
        "root.key",
        "--dist",
        &web_dir,
        "--out",
        "sig.json",
    ]);
    let mut foreign = vec!["admin", "web", "publish", "sig.json"];
    foreign.extend(srv);
    let refused = other.admin.run(&foreign);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("does not verify"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Hostile bodies on the new route: clean 4xx JSON, nothing logged.
    let http = server.http();
    let size_before = http.get("/v1/log/checkpoint", None).json.unwrap()["checkpoint"].clone();
    for (body, code) in [
        (
            json!({"sha256": "00", "signed_at": 1, "signature": "AA=="}),
            "bad_request",
        ),
        (
            json!({"sha256": "00".repeat(32), "signed_at": 1, "signature": "AA=="}),
            "bad_request",
        ),
        (
            json!({"sha256": "00".repeat(32), "signed_at": i64::MAX, "signature": amanat_protocol::encoding::b64(&[0u8; 64])}),
            "bad_signature",
        ),
        (
            json!({"sha256": "00".repeat(32), "signed_at": 1, "signature": amanat_protocol::encoding::b64(&[0u8; 64]), "extra": 1}),
            "bad_request",
        ),
        (json!([]), "bad_request"),
    ] {
        let r = http.post_json("/v1/web/manifest", &body, None);
        assert!(r.status == 400, "{body}: {r:?}");
        assert_eq!(r.error_code(), Some(code), "{body}: {r:?}");
    }
    let r = http.send(http.request("POST", "/v1/web/manifest").body("{}"));
    assert_eq!(r.status, 415, "{r:?}");
    assert_eq!(
        http.get("/v1/log/checkpoint", None).json.unwrap()["checkpoint"],
        size_before
    );

    // One byte of a served file changed on disk: the audit names the file and fails.
    let app = dist.path().join("app.js");
    let mut bytes = std::fs::read(&app).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    std::fs::write(&app, bytes).unwrap();
    let caught = Cli::new().run(&audit);
    let text = String::from_utf8_lossy(&caught.stdout);
    assert!(!caught.status.success(), "{text}");
    assert!(text.contains("ALTERED  /app.js"), "{text}");
    assert!(
        String::from_utf8_lossy(&caught.stderr).contains("WEB PAGE MISMATCH"),
        "{}",
        String::from_utf8_lossy(&caught.stderr)
    );
}

/// After the foundation rotates its root, a complainant whose link still carries the old
/// fingerprint reads the reply in the page: it follows the logged handover (both signatures
/// checked in the page) and salts the codename with the keyring's lineage.
#[test]
fn web_follows_a_root_rotation() {
    if !browser_ready() {
        return;
    }
    let s = setup();
    let c = Cli::new();
    let form = json!({"version": 2, "language": "kk", "identity": {"surname": privacy::canary("Айдос"), "given_name": "Ерлан"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    let out = c.ok(&[
        "submit",
        "--server",
        &s.server.url,
        "--server-cert",
        &s.server.cert_sha256,
        "--root",
        &s.foundation.fingerprint,
        "--form",
        "appeal.json",
    ]);
    let submitted = amanat_tests::parse_submit(&out);
    let new_fp = s.foundation.rotate(&s.server);
    s.reviewer.login(&s.server, &new_fp);
    let reply = "Ответ после смены корневого ключа.";
    s.reply(&submitted.case_id, reply);
    for (tag, root) in [
        ("rotated-old-pin", &s.foundation.fingerprint),
        ("rotated-new-pin", &new_fp),
    ] {
        let r = drive(json!({
            "mode": "inbox", "tag": tag, "url": s.server.url,
            "root": root, "lang": "ru", "shots": shots(), "codename": submitted.codename,
        }));
        assert_eq!(r["replies"], json!([reply]), "{tag}: {r:#}");
    }
}

/// A complainant withdraws their case from the page: asked twice (cancel keeps it), then the
/// server deletes it and the page checks the receipt of the `07` entry; the codename opens
/// nothing afterwards and the audit counts the case as withdrawn.
#[test]
fn web_withdraws_a_case() {
    if !browser_ready() {
        return;
    }
    let s = setup();
    let c = Cli::new();
    let form = json!({"version": 2, "language": "ru", "identity": {"surname": privacy::canary("Отзыв"), "given_name": "Ерлан"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    let out = c.ok(&[
        "submit",
        "--server",
        &s.server.url,
        "--server-cert",
        &s.server.cert_sha256,
        "--root",
        &s.foundation.fingerprint,
        "--form",
        "appeal.json",
    ]);
    let submitted = amanat_tests::parse_submit(&out);
    s.reply(&submitted.case_id, "Ответ перед отзывом.");
    let blobs = s.server.blob_files().len();
    let r = drive(json!({
        "mode": "withdraw", "tag": "withdraw", "url": s.server.url,
        "root": s.foundation.fingerprint, "lang": "ru", "shots": shots(), "codename": submitted.codename,
    }));
    assert_eq!(r["errors"], json!([]), "{r:#}");
    assert_eq!(r["keptAfterCancel"], json!(true), "{r:#}");
    assert!(
        r["explained"].as_str().unwrap().contains("навсегда"),
        "{r:#}"
    );
    let said = r["withdrawn"][0].as_str().unwrap_or_default();
    assert!(
        said.contains("Отозвано") && said.contains("квитанция проверена"),
        "{r:#}"
    );
    assert_eq!(s.server.blob_files().len(), blobs - 2);
    let again = drive(json!({
        "mode": "inbox", "tag": "withdrawn-inbox", "url": s.server.url,
        "root": s.foundation.fingerprint, "lang": "ru", "shots": shots(), "codename": submitted.codename,
    }));
    assert_eq!(
        again["errors"],
        json!(["Дело с таким кодовым именем не найдено."]),
        "{again:#}"
    );
    let audit: Value = serde_json::from_str(&Cli::new().ok(&[
        "audit",
        "log",
        "--server",
        &s.server.url,
        "--server-cert",
        &s.server.cert_sha256,
        "--root",
        &s.foundation.fingerprint,
        "--json",
    ]))
    .unwrap();
    assert_eq!(audit["cases_withdrawn"], 1, "{audit}");
    assert_eq!(audit["problems"], json!([]), "{audit}");
}

/// A server whose keyring another root signed: the page says so and sends nothing.
#[test]
fn web_refuses_a_keyring_from_another_root() {
    if !browser_ready() {
        return;
    }
    let real = Foundation::new();
    let impostor = Foundation::new();
    impostor.add_staff("mallory", "reviewer");
    let server = Server::start(&impostor.root_public, Backend::Sqlite);
    impostor.publish(&server);
    let r = drive(json!({
        "mode": "refuse", "url": server.url, "root": real.fingerprint, "lang": "en",
        "shots": shots(),
    }));
    let status = r["statusAfter"].as_str().unwrap();
    assert!(
        status.contains("Nothing will be sent") && status.contains("another root key"),
        "{status}"
    );
    let requests = r["requests"].as_array().unwrap();
    assert!(
        requests
            .iter()
            .all(|q| !q.as_str().unwrap().starts_with("POST")
                && !q.as_str().unwrap().starts_with("PUT")),
        "{requests:?}"
    );
}

/// With JavaScript off (Tor Browser "Safest"), the page explains and holds no form.
#[test]
fn web_without_javascript_explains_and_has_no_form() {
    if !browser_ready() {
        return;
    }
    let f = Foundation::new();
    let server = Server::start(&f.root_public, Backend::Sqlite);
    let r = drive(json!({"mode": "nojs", "url": server.url, "shots": shots(), "root": ""}));
    let text = r["text"].as_str().unwrap();
    assert!(
        text.contains("JavaScript is needed")
            && text.contains("Нужен JavaScript")
            && text.contains("amanat"),
        "{text}"
    );
    assert_eq!(r["forms"], 0);
}

/// The served files are the built ones, with the headers that confine the page.
#[test]
fn web_files_are_served_with_a_strict_policy() {
    let f = Foundation::new();
    let server = Server::start(&f.root_public, Backend::Sqlite);
    let http = server.http();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(repo().join("web/dist/manifest.json")).unwrap())
            .unwrap();
    for file in manifest["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let r = http.send(http.request("GET", &format!("/{path}")));
        assert_eq!(r.status, 200, "{path}");
        let sha = amanat_protocol::encoding::hex(&sha2::Digest::finalize(
            <sha2::Sha256 as sha2::Digest>::new_with_prefix(&r.body),
        ));
        assert_eq!(sha, file["sha256"].as_str().unwrap(), "{path}");
        let csp = r
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"));
        assert_eq!(r.headers.get("x-frame-options").unwrap(), "DENY");
        assert!(r.headers.get("set-cookie").is_none());
    }
    let index = http.send(http.request("GET", "/"));
    assert_eq!(index.status, 200);
    let html = String::from_utf8_lossy(&index.body);
    assert!(html.contains("<noscript>") && !html.contains("<script>"));
    // Unknown paths stay JSON 404s; the page adds no way around the API's rules.
    let missing = http.send(http.request("GET", "/app.js.map"));
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code(), Some("not_found"));
}
