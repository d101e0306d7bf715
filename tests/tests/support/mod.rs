//! What the fault tests (crash, PostgreSQL restart, full disk) share: a foundation with one
//! reviewer and a server, complainants made through the real CLI, raw uploads of sealed
//! documents, and the checks every fault must leave true afterwards: the log is consistent
//! (`amanat audit log`), receipts verify against it, and every document the reviewer lists
//! downloads with the SHA-256 the log recorded.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::BTreeMap;

use amanat_protocol::DocumentId;
use amanat_protocol::codename::CaseKeys;
use amanat_protocol::envelope::{self, DocumentMeta};
use amanat_protocol::log::entry::Entry;
use amanat_protocol::log::merkle;
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::log::receipt::Receipt;
use amanat_protocol::wire::DocumentKind;
use amanat_tests::http::{Client, Reply};
use amanat_tests::{Cli, Foundation, Server, ServerOptions, Staff, case_keys, parse_submit};
use sha2::{Digest, Sha256};

pub struct World {
    pub foundation: Foundation,
    pub reviewer: Staff,
    pub server: Server,
}

impl World {
    /// A server with `env` (kept across restarts), its log named in a published keyring.
    pub fn new(opts: ServerOptions, env: &[(&str, &str)]) -> World {
        let foundation = Foundation::new();
        let reviewer = foundation.add_staff("aigerim", "reviewer");
        let server = Server::start_with_env(&foundation.root_public, opts, env);
        foundation.set_log(&server);
        foundation.publish(&server);
        World {
            foundation,
            reviewer,
            server,
        }
    }

    pub fn server_args(&self, url: &str) -> Vec<String> {
        vec![
            "--server".into(),
            url.into(),
            "--server-cert".into(),
            self.server.cert_sha256.clone(),
            "--root".into(),
            self.foundation.fingerprint.clone(),
        ]
    }

    /// `amanat submit` args for a small appeal form, with receipts kept in `receipts/`.
    pub fn submit_args(&self, cli: &Cli, url: &str) -> Vec<String> {
        write_form(cli);
        let mut args = vec!["submit".to_owned()];
        args.extend(self.server_args(url));
        args.extend([
            "--form".into(),
            "appeal.json".into(),
            "--receipt".into(),
            "receipts".into(),
            "--quiet".into(),
        ]);
        args
    }

    /// A new case through the real CLI; returns it with its keys and a session token.
    pub fn new_case(&self) -> Case {
        let cli = Cli::new();
        let args = self.submit_args(&cli, &self.server.url);
        let out = cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let sub = parse_submit(&out);
        let keys = case_keys(&sub.codename, &self.foundation.fingerprint);
        let token = self.server.http().login(keys.auth());
        Case {
            id: sub.case_id,
            keys,
            token,
            cli,
        }
    }

    pub fn log_verifier(&self) -> NoteVerifier {
        let key = amanat_protocol::encoding::from_b64("log key", &self.server.log_key).unwrap();
        NoteVerifier::new(&self.server.log_origin, key.try_into().unwrap()).unwrap()
    }

    /// `amanat audit log` over the whole log must succeed; returns its figures.
    pub fn audit(&self) -> serde_json::Value {
        let auditor = Cli::new();
        let mut args = vec!["audit".to_owned(), "log".into()];
        args.extend(self.server_args(&self.server.url));
        args.push("--json".into());
        let out = auditor.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        serde_json::from_str(&out).unwrap()
    }

    /// `amanat audit verify` of one receipt, online: signature, inclusion, and consistency
    /// with the server's current checkpoint.
    pub fn cli_verify(&self, cli: &Cli, receipt_file: &str) {
        let mut args = vec!["audit".to_owned(), "verify".into(), receipt_file.into()];
        args.extend(self.server_args(&self.server.url));
        let out = cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            out.contains("The receipt is valid") && out.contains("consistency proof verified"),
            "{out}"
        );
    }

    /// Every entry of the log, in order.
    pub fn log_entries(&self) -> Vec<Vec<u8>> {
        let http = self.server.http();
        let mut entries = Vec::new();
        loop {
            let r = http.get(
                &format!("/v1/log/entries?start={}&count=100000", entries.len()),
                None,
            );
            if r.status == 400 && !entries.is_empty() {
                break; // past the end
            }
            assert_eq!(r.status, 200, "{r:?}");
            let before = entries.len();
            let mut b = r.body.as_slice();
            while !b.is_empty() {
                let n = u32::from_be_bytes(b[..4].try_into().unwrap()) as usize;
                entries.push(b[4..4 + n].to_vec());
                b = &b[4 + n..];
            }
            if entries.len() == before {
                break;
            }
        }
        entries
    }

    /// Checks, as a reviewer, that every case's documents download with the SHA-256 both the
    /// case and the log give, and that the log names no document the reviewer cannot see.
    /// Returns the number of documents.
    pub fn check_documents(&self, log_docs: &BTreeMap<DocumentId, [u8; 32]>) -> usize {
        self.reviewer
            .login(&self.server, &self.foundation.fingerprint);
        let token = self.reviewer.token();
        let http = self.server.http();
        let cases = http.get("/v1/cases", Some(&token));
        assert_eq!(cases.status, 200, "{cases:?}");
        let mut seen = BTreeMap::new();
        for case in cases.json.unwrap().as_array().unwrap() {
            let id = case["case_id"].as_str().unwrap();
            let detail = http.get(&format!("/v1/cases/{id}"), Some(&token));
            assert_eq!(detail.status, 200, "{detail:?}");
            for d in detail.json.unwrap()["documents"].as_array().unwrap() {
                let doc: DocumentId = d["document_id"].as_str().unwrap().parse().unwrap();
                let listed = d["sha256"].as_str().unwrap().to_owned();
                let got = http.get(&format!("/v1/cases/{id}/documents/{doc}"), Some(&token));
                assert_eq!(got.status, 200, "document {doc} of case {id}: {got:?}");
                let digest = hex(&Sha256::digest(&got.body));
                assert_eq!(digest, listed, "document {doc} downloads with another hash");
                let logged = log_docs
                    .get(&doc)
                    .unwrap_or_else(|| panic!("document {doc} is listed but not in the log"));
                assert_eq!(hex(logged), listed, "the log has another hash for {doc}");
                seen.insert(doc, listed);
            }
        }
        for doc in log_docs.keys() {
            assert!(
                seen.contains_key(doc),
                "the log has document {doc}, the reviewer cannot find it"
            );
        }
        seen.len()
    }
}

/// The documents the log records: id → ciphertext SHA-256. A document id appears once.
pub fn logged_documents(entries: &[Vec<u8>]) -> BTreeMap<DocumentId, [u8; 32]> {
    let mut out = BTreeMap::new();
    for e in entries {
        if let Entry::DocumentReceived(d) = Entry::decode(e).unwrap() {
            assert!(
                out.insert(d.document, d.sha256).is_none(),
                "document {} is logged twice",
                d.document
            );
        }
    }
    out
}

/// Root of the first `size` entries.
pub fn root_of(entries: &[Vec<u8>], size: usize) -> [u8; 32] {
    fn subtree(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => merkle::empty_root(),
            1 => leaves[0],
            n => {
                let k = n.next_power_of_two() / 2;
                merkle::node_hash(&subtree(&leaves[..k]), &subtree(&leaves[k..]))
            }
        }
    }
    let leaves: Vec<[u8; 32]> = entries[..size]
        .iter()
        .map(|e| merkle::leaf_hash(e))
        .collect();
    subtree(&leaves)
}

/// Verifies receipts against the final log: the log's signature and the inclusion proof,
/// then that the final log holds the same entry at that index and, at the receipt's size,
/// the same root (the log only grew since). Returns how many verified.
pub fn verify_receipts(verifier: &NoteVerifier, entries: &[Vec<u8>], receipts: &[String]) -> usize {
    let mut roots: BTreeMap<u64, [u8; 32]> = BTreeMap::new();
    for text in receipts {
        let r = Receipt::parse(text).unwrap();
        let v = r
            .verify(verifier)
            .unwrap_or_else(|e| panic!("a receipt does not verify: {e}\n{text}"));
        let size = v.checkpoint.size;
        assert!(
            size as usize <= entries.len(),
            "a receipt's checkpoint ({size}) is beyond the final log ({})",
            entries.len()
        );
        assert_eq!(
            entries[v.index as usize], r.entry,
            "the log holds another entry at {}",
            v.index
        );
        let root = *roots
            .entry(size)
            .or_insert_with(|| root_of(entries, size as usize));
        assert_eq!(
            root, v.checkpoint.root,
            "the final log does not extend the receipt's checkpoint of size {size}"
        );
    }
    receipts.len()
}

pub fn write_form(cli: &Cli) {
    let form = serde_json::json!({
        "version": 1, "language": "en",
        "identity": {"surname": "Tester", "given_name": "Fault", "age": 30, "city": "Almaty"},
        "incidents": [{"event": "rally-2018-05-10", "date": "2018-05-10", "description": "filmed"}],
        "consent": {"publish_name": false}
    });
    std::fs::write(cli.path("appeal.json"), serde_json::to_vec(&form).unwrap()).unwrap();
}

/// A complainant's case: keys derived from the codename, and a session.
pub struct Case {
    pub id: String,
    pub keys: CaseKeys,
    pub token: String,
    pub cli: Cli,
}

impl Case {
    pub fn doc_path(&self, doc: &DocumentId) -> String {
        format!("/v1/cases/{}/documents/{doc}?kind=attachment", self.id)
    }
}

/// An attachment of `len` plaintext bytes (seeded, so a retry sends the same ciphertext
/// only if the caller keeps the bytes), sealed to the case.
pub fn sealed(keys: &CaseKeys, len: usize, seed: u64) -> Vec<u8> {
    let meta = DocumentMeta {
        kind: DocumentKind::Attachment,
        name: None,
        media_type: "application/octet-stream".into(),
        length: len as u64,
    };
    let mut x = seed | 1;
    let content: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    envelope::seal(&keys.recipient(), &meta, content.as_slice(), Vec::new()).unwrap()
}

pub fn hex(b: &[u8]) -> String {
    amanat_protocol::encoding::hex(b)
}

pub fn sha256(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

/// A refusal in the one error shape: `{"error": code, "message": …}`.
pub fn assert_refusal(r: &Reply, status: u16, code: &str) {
    assert_eq!(r.status, status, "{r:?}");
    assert_eq!(r.error_code(), Some(code), "{r:?}");
    assert!(
        r.json.as_ref().unwrap()["message"].is_string(),
        "no message: {r:?}"
    );
}

/// Files under `dir`, recursively.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    amanat_tests::walk(dir, &mut v);
    v
}

/// The raw client for `server`'s current address.
pub fn client(server: &Server) -> Client {
    server.http()
}

/// `POST /v1/cases/{case}/uploads` for an attachment of `length` bytes.
pub fn create_upload(http: &Client, case: &Case, doc: &DocumentId, length: usize) -> Reply {
    http.post_json(
        &format!("/v1/cases/{}/uploads", case.id),
        &serde_json::json!({"document_id": doc, "kind": "attachment", "length": length}),
        Some(&case.token),
    )
}

/// `PATCH /v1/uploads/{id}` with `bytes` at `offset`.
pub fn patch_upload(http: &Client, case: &Case, id: &str, offset: usize, bytes: &[u8]) -> Reply {
    http.send(
        http.request("PATCH", &format!("/v1/uploads/{id}"))
            .bearer_auth(&case.token)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", offset.to_string())
            .body(bytes.to_vec()),
    )
}

/// `POST /v1/uploads/{id}/finish`.
pub fn finish_upload(http: &Client, case: &Case, id: &str, sha: &[u8; 32]) -> Reply {
    http.post_json(
        &format!("/v1/uploads/{id}/finish"),
        &serde_json::json!({"sha256": hex(sha)}),
        Some(&case.token),
    )
}
