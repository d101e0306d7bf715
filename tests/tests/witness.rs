//! Witness cosigning through the real binaries: `amanat witness serve` follows the log,
//! the server offers it every new checkpoint, and a keyring that asks for one cosignature
//! makes `amanat audit verify` require it. Then the operator rewrites the log: the witness
//! refuses the contradicting checkpoint, and the client refuses the receipts that need it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use amanat_protocol::log::note::NoteVerifier;
use amanat_tests::tamper::{sqlite_db, sqlite3_available};
use amanat_tests::{Backend, Cli, Foundation, Server, bin, parse_submit, privacy};

struct Witness {
    child: Child,
    url: String,
    vkey: String,
    cli: Cli,
}

impl Drop for Witness {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Witness {
    fn start(name: &str, log_vkey: &str) -> Witness {
        let cli = Cli::new();
        let out = cli.ok(&["witness", "keygen", "--name", name, "--out", "witness.key"]);
        let vkey = out
            .lines()
            .find_map(|l| l.strip_prefix("verifier key: "))
            .unwrap()
            .to_owned();
        let mut child = Command::new(bin("amanat"))
            .args(["witness", "serve", "--key"])
            .arg(cli.path("witness.key"))
            .arg("--state")
            .arg(cli.path("state"))
            .args(["--listen", "127.0.0.1:0", "--log", log_vkey])
            .env("HOME", cli.home.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(
                std::fs::File::create(cli.path("witness.log")).unwrap(),
            ))
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().strip_prefix("witness on ").unwrap().to_owned();
        Witness {
            child,
            url,
            vkey,
            cli,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.cli.path("witness.log")).unwrap_or_default()
    }
}

fn args(server: &Server, foundation: &Foundation) -> Vec<String> {
    vec![
        "--server".into(),
        server.url.clone(),
        "--server-cert".into(),
        server.cert_sha256.clone(),
        "--root".into(),
        foundation.fingerprint.clone(),
    ]
}

/// Submits a case and returns its receipts (copied out of the complainant's HOME) and what
/// `amanat submit` printed.
fn submit(
    server: &Server,
    foundation: &Foundation,
    keep: &Cli,
    extra: &[&str],
) -> (Vec<String>, String) {
    let c = Cli::new();
    let form = serde_json::json!({"version": 1, "language": "en",
        "identity": {"surname": privacy::canary("Witness"), "given_name": "Dina"}});
    std::fs::write(c.path("appeal.json"), form.to_string()).unwrap();
    let mut a = vec!["submit".to_owned()];
    a.extend(args(server, foundation));
    a.extend(["--form", "appeal.json", "--receipt", "receipts"].map(String::from));
    a.extend(extra.iter().map(|s| s.to_string()));
    let stdout = c.ok(&a.iter().map(String::as_str).collect::<Vec<_>>());
    parse_submit(&stdout);
    let mut out = Vec::new();
    for e in std::fs::read_dir(c.path("receipts")).unwrap() {
        let p = e.unwrap().path();
        let to = keep.path(&format!(
            "{}-{}",
            amanat_tests::random_hex(4),
            p.file_name().unwrap().to_string_lossy()
        ));
        std::fs::copy(&p, &to).unwrap();
        out.push(to.display().to_string());
    }
    (out, stdout)
}

fn verify(auditor: &Cli, receipt: &str, tail: &[String]) -> Output {
    let mut a = vec!["audit".to_owned(), "verify".to_owned(), receipt.to_owned()];
    a.extend(tail.iter().cloned());
    auditor.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Waits until the server's `/checkpoint` carries a line by `name`; returns that note.
fn cosigned_checkpoint(server: &Server, name: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let cp = String::from_utf8(server.http().get("/checkpoint", None).body).unwrap();
        if cp.contains(&format!("\u{2014} {name} ")) {
            return cp;
        }
        assert!(Instant::now() < deadline, "never cosigned: {cp}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn receipts_need_the_witness_and_a_forked_log_loses_it() {
    if !sqlite3_available() {
        return;
    }
    let foundation = Foundation::new();
    let _reviewer = foundation.add_staff("aigerim", "reviewer");
    let mut server = Server::start(&foundation.root_public, Backend::Sqlite);
    foundation.set_log(&server);
    foundation.publish(&server);
    let auditor = Cli::new();
    // A receipt from before any witness: nothing cosigned it.
    let (early, said) = submit(&server, &foundation, &auditor, &[]);
    assert!(
        !said.contains("WITNESSED"),
        "no witness was asked for yet: {said}"
    );

    let log_vkey = NoteVerifier::new(
        &server.log_origin,
        amanat_protocol::encoding::from_b64("log key", &server.log_key)
            .unwrap()
            .try_into()
            .unwrap(),
    )
    .unwrap()
    .to_string();
    let witness = Witness::start("witness.partner.example", &log_vkey);
    server
        .env
        .push(("AMANAT_WITNESSES".into(), witness.url.clone()));
    server.restart();
    foundation.admin.ok(&[
        "admin",
        "keyring",
        "witness",
        "--root-key",
        "root.key",
        "--add",
        &witness.vkey,
        "--threshold",
        "1",
    ]);
    foundation.publish(&server);
    let cp = cosigned_checkpoint(&server, "witness.partner.example");
    assert!(cp.starts_with(&server.log_origin), "{cp}");

    // Offline, the early receipt lacks its cosignature; with the server, a later cosigned
    // checkpoint that extends it vouches for it.
    let keyring = auditor.path("keyring.json");
    std::fs::write(
        &keyring,
        serde_json::to_vec(&foundation.signed_keyring()).unwrap(),
    )
    .unwrap();
    let root = ["--root".to_owned(), foundation.fingerprint.clone()];
    let offline: Vec<String> = root
        .iter()
        .cloned()
        .chain(["--keyring".to_owned(), keyring.display().to_string()])
        .collect();
    let out = verify(&auditor, &early[0], &offline);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("NOT WITNESSED"), "{}", text(&out));
    assert!(
        text(&out).contains("witness.partner.example"),
        "{}",
        text(&out)
    );
    let online = args(&server, &foundation);
    let out = verify(&auditor, &early[0], &online);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("cosigned by witness.partner.example"),
        "{}",
        text(&out)
    );
    // A complainant who submits now waits for the witness and is told it vouched.
    let (_, said) = submit(&server, &foundation, &auditor, &[]);
    assert!(
        said.contains("Witnessed:") && said.contains("cosigned by witness.partner.example"),
        "{said}"
    );
    let cp = cosigned_checkpoint(&server, "witness.partner.example");
    let cosigned_size: u64 = cp.lines().nth(1).unwrap().parse().unwrap();

    // The operator rewrites one old entry: the server signs another root for the same size.
    let db = sqlite_db(&server.dir());
    let mut entries = db.entries();
    assert_eq!(entries.len() as u64, cosigned_size);
    let last = entries[1].len() - 1;
    entries[1][last] ^= 1;
    db.rewrite(&entries);
    let (late, said) = submit(&server, &foundation, &auditor, &["--witness-wait", "5"]);
    // The complainant is told the witness has not vouched, and which is missing.
    assert!(
        said.contains("NOT YET WITNESSED") && said.contains("missing: witness.partner.example"),
        "{said}"
    );
    // The witness is offered the forked tree and refuses it, loudly.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !witness.stderr().contains("refused a checkpoint") {
        assert!(
            Instant::now() < deadline,
            "the witness never refused: {}",
            witness.stderr()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = verify(&auditor, &late[0], &online);
    assert!(
        !out.status.success(),
        "a receipt of the forked log passed: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("NOT WITNESSED") || text(&out).contains("INVALID COSIGNATURE"),
        "{}",
        text(&out)
    );
    // The witness still holds the size it cosigned before the fork.
    let state: Vec<_> = std::fs::read_dir(witness.cli.path("state"))
        .unwrap()
        .collect();
    assert_eq!(state.len(), 1);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state[0].as_ref().unwrap().path()).unwrap()).unwrap();
    assert_eq!(s["size"], cosigned_size);
}

#[test]
fn the_witness_refuses_hostile_requests_cleanly() {
    let foundation = Foundation::new();
    let server = Server::start(&foundation.root_public, Backend::Sqlite);
    let log_vkey = NoteVerifier::new(
        &server.log_origin,
        amanat_protocol::encoding::from_b64("log key", &server.log_key)
            .unwrap()
            .try_into()
            .unwrap(),
    )
    .unwrap()
    .to_string();
    let witness = Witness::start("w.example", &log_vkey);
    amanat_tests::install_crypto_provider();
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let post = |body: &str| {
        let r = http
            .post(format!("{}/add-checkpoint", witness.url))
            .body(body.to_owned())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.text().unwrap())
    };
    let cp = String::from_utf8(server.http().get("/checkpoint", None).body).unwrap();
    for (body, status) in [
        ("".to_owned(), 400),
        ("old x\n\n".to_owned(), 400),
        (
            format!(
                "old 0\n\n{}",
                cp.replace(&server.log_origin, "other.example/log")
            ),
            404,
        ),
        (format!("old 0\n\n{}", cp.replace("\n0\n", "\n1\n")), 403),
        (format!("old 5\n\n{cp}"), 409),
        ("old 0\n\n\u{0}\u{1}".to_owned(), 404),
    ] {
        let (got, text) = post(&body);
        assert_eq!(got, status, "{body:?}: {text}");
        if status == 409 {
            assert_eq!(text.trim(), "0");
        } else {
            let j: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(j["error"].is_string() && j["message"].is_string(), "{text}");
        }
    }
    let big = "a".repeat(100_000);
    assert!(post(&big).0 >= 400);
    let (ok, line) = post(&format!("old 0\n\n{cp}"));
    assert_eq!(ok, 200, "{line}");
    assert!(line.starts_with("\u{2014} w.example "), "{line}");
    // The same checkpoint again is cosigned again; a request from another size still is not.
    assert_eq!(post(&format!("old 0\n\n{cp}")).0, 200);
    let (conflict, held) = post(&format!("old 2\n\n{cp}"));
    assert_eq!(conflict, 409);
    assert_eq!(held.trim(), "0");
}
