//! The complainant's device (issue 6, threat model M9): after `amanat submit` and
//! `amanat inbox`, a fresh HOME and TMPDIR (and the XDG folders inside HOME) hold exactly
//! what they held before — no config, cache, history, known hosts or temporary file. Only
//! what the person asked for is written: receipts with `--receipt DIR`, the ciphertext being
//! uploaded with `--resume-dir DIR`, and nothing in either is plaintext.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use amanat_tests::faults::{Fault, Proxy};
use amanat_tests::{Backend, Foundation, Server, Staff, bin, parse_submit, privacy, random_hex};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

const MIB: usize = 1024 * 1024;

/// What a path is, for comparing two snapshots: a folder, a file by the SHA-256 of its
/// bytes and its permission bits, or a symbolic link by its target.
#[derive(Debug, PartialEq, Eq, Clone)]
enum Entry {
    Dir,
    File { sha256: String, mode: u32 },
    Link(PathBuf),
}

type Snapshot = BTreeMap<PathBuf, Entry>;

/// Every path under `root` (relative to it), folders included: an empty folder is a trace too.
fn snapshot(root: &Path) -> Snapshot {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_owned();
            let entry = if meta.file_type().is_symlink() {
                Entry::Link(std::fs::read_link(&p).unwrap())
            } else if meta.is_dir() {
                stack.push(p.clone());
                Entry::Dir
            } else {
                Entry::File {
                    sha256: amanat_protocol::encoding::hex(&Sha256::digest(
                        std::fs::read(&p).unwrap(),
                    )),
                    mode: meta.permissions().mode(),
                }
            };
            out.insert(rel, entry);
        }
    }
    out
}

/// The paths that appeared, changed or vanished between two snapshots.
fn changes(before: &Snapshot, after: &Snapshot) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = after
        .iter()
        .filter(|(p, e)| before.get(*p) != Some(*e))
        .map(|(p, _)| p.clone())
        .chain(before.keys().filter(|p| !after.contains_key(*p)).cloned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A complainant's device: a fresh HOME with the usual XDG folders inside it, a TMPDIR of
/// its own, and the files to send kept elsewhere (a USB stick, say), so that HOME and TMPDIR
/// start out holding nothing the test did not put there.
struct Device {
    home: TempDir,
    tmp: TempDir,
    files: TempDir,
}

impl Device {
    fn new() -> Device {
        let home = tempfile::Builder::new()
            .prefix("amanat-device-home-")
            .tempdir()
            .unwrap();
        for d in [".config", ".cache", ".local/share", ".local/state", "run"] {
            std::fs::create_dir_all(home.path().join(d)).unwrap();
        }
        // Something of the person's own, which must stay as it is.
        std::fs::write(home.path().join(".profile"), "export LANG=ru_RU.UTF-8\n").unwrap();
        Device {
            home,
            tmp: tempfile::Builder::new()
                .prefix("amanat-device-tmp-")
                .tempdir()
                .unwrap(),
            files: tempfile::Builder::new()
                .prefix("amanat-device-files-")
                .tempdir()
                .unwrap(),
        }
    }

    /// The real CLI with nothing but this device's environment, run from HOME.
    fn cmd(&self, args: &[&str]) -> Command {
        let home = self.home.path();
        let mut c = Command::new(bin("amanat"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("TMPDIR", self.tmp.path())
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .env("LANG", "en_US.UTF-8")
            .current_dir(home)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self.cmd(args).spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "amanat {args:?} failed:\n{}",
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn snapshot(&self) -> (Snapshot, Snapshot) {
        (snapshot(self.home.path()), snapshot(self.tmp.path()))
    }

    /// Fails unless HOME and TMPDIR are as in `before`, apart from paths under `allowed`
    /// (relative to HOME).
    fn assert_unchanged(
        &self,
        before: &(Snapshot, Snapshot),
        allowed: Option<&str>,
        after_what: &str,
    ) {
        let now = self.snapshot();
        let home: Vec<PathBuf> = changes(&before.0, &now.0)
            .into_iter()
            .filter(|p| !allowed.is_some_and(|a| p.starts_with(a)))
            .collect();
        assert!(home.is_empty(), "{after_what} changed HOME: {home:?}");
        let tmp = changes(&before.1, &now.1);
        assert!(tmp.is_empty(), "{after_what} changed TMPDIR: {tmp:?}");
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Planted in the form, the power of attorney, the attachment and its name; registered with
/// the log scan too.
struct Canaries {
    surname: String,
    description: String,
    poa: String,
    attachment: String,
    attachment_name: String,
    reply: String,
}

impl Canaries {
    fn new() -> Canaries {
        let tag = random_hex(6);
        let c = Canaries {
            surname: format!("Құпияқызы{tag}"),
            description: format!("device-canary-description-{tag}"),
            poa: format!("DEVICE-CANARY-PASSPORT-{tag}"),
            attachment: format!("device-canary-attachment-{tag}"),
            attachment_name: format!("device-canary-photo-{tag}.jpg"),
            reply: format!("device-canary-reply-{tag}"),
        };
        for s in [&c.surname, &c.description, &c.poa, &c.attachment, &c.reply] {
            privacy::content(s);
        }
        privacy::file_name(&c.attachment_name);
        c
    }

    fn all(&self) -> [&str; 5] {
        [
            &self.surname,
            &self.description,
            &self.poa,
            &self.attachment,
            &self.attachment_name,
        ]
    }
}

struct World {
    foundation: Foundation,
    reviewer: Staff,
    server: Server,
    device: Device,
    c: Canaries,
}

impl World {
    /// A foundation and a server; on the device, the form, the power of attorney and an
    /// attachment of `attachment_bytes` (more than one 8 MiB chunk takes the resumable path).
    fn new(attachment_bytes: usize) -> World {
        let foundation = Foundation::new();
        let reviewer = foundation.add_staff("aigerim", "reviewer");
        let server = Server::start(&foundation.root_public, Backend::Sqlite);
        foundation.set_log(&server);
        foundation.publish(&server);
        reviewer.login(&server, &foundation.fingerprint);
        let device = Device::new();
        let c = Canaries::new();
        let files = device.files.path();
        let form = serde_json::json!({
            "version": 1, "language": "kk",
            "identity": {"surname": c.surname, "given_name": "Айгүл", "age": 34, "city": "Жаңаөзен"},
            "incidents": [{"event": "rally-2018-05-10", "date": "2018-05-10", "description": c.description}],
            "consent": {"publish_name": false}
        });
        std::fs::write(
            files.join("appeal.json"),
            serde_json::to_vec(&form).unwrap(),
        )
        .unwrap();
        std::fs::write(files.join("poa.pdf"), format!("%PDF-1.4 {} signed", c.poa)).unwrap();
        let mut bytes = c.attachment.clone().into_bytes();
        let mut x: u32 = 0x9E37_79B9;
        bytes.extend((bytes.len()..attachment_bytes).map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        }));
        std::fs::write(files.join(&c.attachment_name), &bytes).unwrap();
        World {
            foundation,
            reviewer,
            server,
            device,
            c,
        }
    }

    fn file(&self, name: &str) -> String {
        self.device.files.path().join(name).display().to_string()
    }

    fn server_args(&self, url: &str) -> Vec<String> {
        [
            "--server",
            url,
            "--server-cert",
            &self.server.cert_sha256,
            "--root",
            &self.foundation.fingerprint,
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// `amanat submit` with all three documents, through `url`, plus `extra` flags.
    fn submit_args(&self, url: &str, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["submit".to_owned()];
        args.extend(self.server_args(url));
        args.extend(
            [
                "--quiet",
                "--form",
                &self.file("appeal.json"),
                "--poa",
                &self.file("poa.pdf"),
                "--attach",
                &self.file(&self.c.attachment_name),
            ]
            .map(str::to_owned),
        );
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    /// Asserts that none of `bytes` is plaintext the complainant sent, or the codename.
    fn assert_no_plaintext(&self, what: &str, bytes: &[u8], codename: &str) {
        let hay = String::from_utf8_lossy(bytes);
        for canary in self.c.all() {
            assert!(
                !hay.contains(canary),
                "{what} holds plaintext ({} chars of a canary)",
                canary.len()
            );
        }
        let words: Vec<&str> = codename.split(' ').collect();
        for pair in words.windows(2) {
            assert!(
                !hay.contains(&pair.join(" ")),
                "{what} holds codename words"
            );
        }
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The main promise: submit (through the resumable path, since the attachment is larger than
/// one chunk), check the codename, read a reply in the inbox — and HOME and TMPDIR are
/// exactly as they were, byte for byte, folder for folder.
#[test]
fn submit_and_inbox_write_nothing_on_the_device() {
    let w = World::new(9 * MIB);
    let d = &w.device;
    let before = d.snapshot();

    let out = d.ok(&strs(&w.submit_args(&w.server.url, &[])), "");
    let submitted = parse_submit(&out);
    assert_eq!(out.matches("sent ").count(), 3, "{out}");
    d.assert_unchanged(&before, None, "amanat submit");

    let checked = d.run(
        &["codename", "check", "--stdin"],
        &format!("{}\n", submitted.codename),
    );
    assert!(checked.status.success(), "{}", text(&checked));
    d.assert_unchanged(&before, None, "amanat codename check");

    // A reviewer answers, so the inbox has something to decrypt and show.
    let mut reply = w
        .reviewer
        .cli
        .cmd()
        .args(["staff", "reply", &submitted.case_id, "--key", "staff.key"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    reply
        .stdin
        .take()
        .unwrap()
        .write_all(format!("We received your appeal. {}\n", w.c.reply).as_bytes())
        .unwrap();
    let reply = reply.wait_with_output().unwrap();
    assert!(reply.status.success(), "{}", text(&reply));

    let mut args = vec!["inbox".to_owned()];
    args.extend(w.server_args(&w.server.url));
    args.push("--codename-stdin".into());
    let inbox = d.ok(&strs(&args), &format!("{}\n", submitted.codename));
    assert!(inbox.contains(&w.c.reply), "{inbox}");
    d.assert_unchanged(&before, None, "amanat inbox");
}

/// `--receipt DIR` writes into DIR and nowhere else: one `.tlog-proof` per document, each the
/// log entry (case commitment, document id, kind, SHA-256 and length of the ciphertext),
/// its inclusion proof and the signed checkpoint — no plaintext, file name or codename.
#[test]
fn receipts_only_in_the_folder_asked_for() {
    let w = World::new(64 * 1024);
    let d = &w.device;
    let before = d.snapshot();
    let out = d.ok(
        &strs(&w.submit_args(&w.server.url, &["--receipt", "receipts"])),
        "",
    );
    let submitted = parse_submit(&out);
    d.assert_unchanged(&before, Some("receipts"), "amanat submit --receipt");
    // The same walk does see what was written: the folder and its three receipts.
    let seen = changes(&before.0, &d.snapshot().0);
    assert_eq!(seen.len(), 4, "{seen:?}");

    let dir = d.home.path().join("receipts");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "01-appeal-form.tlog-proof",
            "02-power-of-attorney.tlog-proof",
            "03-attachment.tlog-proof"
        ],
        "{out}"
    );
    for n in &names {
        let bytes = std::fs::read(dir.join(n)).unwrap();
        let receipt = String::from_utf8(bytes.clone()).expect("a receipt is text");
        assert!(receipt.starts_with("c2sp.org/tlog-proof@v1\n"), "{receipt}");
        assert!(receipt.contains(&w.server.log_origin), "{receipt}");
        w.assert_no_plaintext(n, &bytes, &submitted.codename);
        assert!(
            !receipt.contains(&submitted.case_id),
            "{n} names the case id"
        );
    }
}

/// `--resume-dir DIR`: while a large document is on its way, DIR (and nothing else) holds its
/// ciphertext (`<id>.age`, an age file) and a small state file (`<id>.json`: upload id,
/// document id, kind and lengths); once the server has everything, DIR is empty again.
#[test]
fn resume_dir_holds_only_ciphertext_and_only_while_uploading() {
    let w = World::new(12 * MIB);
    let d = &w.device;
    let before = d.snapshot();
    let proxy = Proxy::for_url(&w.server.url);
    // Past the form and the power of attorney, inside the attachment's first chunk.
    proxy.arm(4 * MIB as u64, Fault::Hold);
    let child = d
        .cmd(&strs(
            &w.submit_args(&proxy.url(), &["--resume-dir", "spool"]),
        ))
        .spawn()
        .unwrap();
    proxy.wait_for_fault(Duration::from_secs(300));

    // Mid-upload: only the spool has changed.
    d.assert_unchanged(
        &before,
        Some("spool"),
        "amanat submit --resume-dir (mid-upload)",
    );
    let spool = d.home.path().join("spool");
    let mut names: Vec<String> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].ends_with(".age") && names[1].ends_with(".json"),
        "{names:?}"
    );
    let data = std::fs::read(spool.join(&names[0])).unwrap();
    assert!(
        data.starts_with(b"age-encryption.org/v1\n"),
        "the spool holds no age file"
    );
    let state = std::fs::read(spool.join(&names[1])).unwrap();
    let state_json: serde_json::Value = serde_json::from_slice(&state).unwrap();
    assert_eq!(state_json["kind"], "attachment", "{state_json}");
    let state_text = String::from_utf8_lossy(&state);
    for secret in [w.server.url.as_str(), proxy.url().as_str(), "127.0.0.1"] {
        assert!(
            !state_text.contains(secret),
            "the state file names the server: {state_text}"
        );
    }

    proxy.release();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let submitted = parse_submit(&String::from_utf8_lossy(&out.stdout));
    w.assert_no_plaintext("the spooled ciphertext", &data, &submitted.codename);
    w.assert_no_plaintext("the spool's state file", &state, &submitted.codename);
    assert!(
        !state_text.contains(&submitted.case_id),
        "the state file names the case"
    );

    // Done: the spool is empty, and apart from the (empty) folder asked for, nothing changed.
    assert_eq!(
        std::fs::read_dir(&spool).unwrap().count(),
        0,
        "the spool was not emptied"
    );
    d.assert_unchanged(&before, Some("spool"), "amanat submit --resume-dir");
}
