//! Resumable uploads (docs/protocol.md, "Resumable uploads") against the real server, in
//! process, with real case keys and age files: the happy path with a retried create and
//! finish, each refusal leaving nothing visible, a restart mid-upload, and the collector.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use amanat_protocol::codename::CaseKeys;
use amanat_protocol::keyring::{Keyring, Role, RootKey, StaffMember};
use amanat_protocol::keys::StaffKeys;
use amanat_protocol::log::entry::Entry;
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::log::receipt::Receipt;
use amanat_protocol::wire::{
    CaseDetail, Challenge, CreateCase, CreateUpload, DocumentInfo, DocumentKind, ErrorBody,
    LogCheckpoint, MAX_CHUNK, Session, UploadState,
};
use amanat_protocol::{CaseId, DocumentId, auth, envelope, grant};
use amanat_server::{Config, ServerHandle};
use base64::Engine;
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

/// A server with one published keyring (one reviewer) and one case whose complainant is
/// signed in.
struct World {
    _dir: tempfile::TempDir,
    config: Config,
    server: Option<ServerHandle>,
    client: Client,
    base: String,
    log: NoteVerifier,
    keys: CaseKeys,
    case: CaseId,
    complainant: String,
    reviewer: String,
}

fn hex(b: &[u8]) -> String {
    amanat_protocol::encoding::hex(b)
}

fn sign_in(client: &Client, base: &str, key: &ed25519_dalek::SigningKey) -> String {
    use ed25519_dalek::Signer;
    let public = key.verifying_key().to_bytes();
    let c: Challenge = client
        .post(format!("{base}/v1/auth/challenge"))
        .header(
            amanat_protocol::pow::HEADER,
            common::solved(client, base, amanat_protocol::pow::Purpose::Auth),
        )
        .json(&json!({"public_key": B64.encode(public)}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let sig = key.sign(&auth::message(&c.challenge)).to_bytes();
    let res = client
        .post(format!("{base}/v1/auth/session"))
        .json(
            &json!({"public_key": B64.encode(public), "challenge": B64.encode(c.challenge),
                "signature": B64.encode(sig)}),
        )
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Session>().unwrap().token
}

impl World {
    fn new(tweak: impl FnOnce(&mut Config)) -> World {
        World::on(None, tweak)
    }

    /// On the database at `database_url` (default: SQLite in the data directory).
    fn on(database_url: Option<String>, tweak: impl FnOnce(&mut Config)) -> World {
        let dir = tempfile::tempdir().unwrap();
        let root = RootKey::generate();
        let report = amanat_server::init_data_dir_with_log_origin(
            &amanat_server::InitOptions {
                data_dir: dir.path().join("data"),
                root_key: B64.encode(root.public().as_bytes()),
                hostnames: vec![],
                database_url,
                listen: None,
            },
            Some("amanat.example/uploads"),
        )
        .unwrap();
        let log_key: [u8; 32] = B64
            .decode(&report.log_public_key)
            .unwrap()
            .try_into()
            .unwrap();
        let mut config = report.config.clone();
        config.max_document_bytes = 64 * 1024 * 1024;
        config.pow_bits = common::TEST_POW_BITS;
        tweak(&mut config);
        let server =
            amanat_server::spawn(config.clone(), TcpListener::bind("127.0.0.1:0").unwrap())
                .unwrap();
        let client = common::pinned_client(&report.cert_sha256);
        let base = format!("https://{}", server.addr());

        let reviewer = StaffKeys::generate("aigerim".parse().unwrap(), "Aigerim".into());
        let ring = root
            .sign(&Keyring {
                version: 1,
                staff: vec![StaffMember {
                    public: reviewer.public(),
                    roles: [Role::Reviewer].into_iter().collect(),
                }],
                ..Keyring::genesis()
            })
            .unwrap();
        let res = client
            .post(format!("{base}/v1/keyring"))
            .json(&ring)
            .send()
            .unwrap();
        assert_eq!(res.status(), 200);
        let verified = ring.verify(&root.fingerprint()).unwrap();

        let keys = CaseKeys::random().unwrap();
        let case = CaseId::random();
        let create = CreateCase {
            case_id: case,
            auth_key: keys.auth_public(),
            commitment: keys.commitment(&case).unwrap(),
            keyring_version: 1,
            grants: verified
                .keyring()
                .reviewers()
                .map(|r| grant::wrap(case, keys.identity(), r).unwrap())
                .collect(),
        };
        let res = client
            .post(format!("{base}/v1/cases"))
            .header(
                amanat_protocol::pow::HEADER,
                common::solved(&client, &base, amanat_protocol::pow::Purpose::CreateCase),
            )
            .json(&create)
            .send()
            .unwrap();
        assert_eq!(res.status(), 201);
        let complainant = sign_in(&client, &base, keys.auth());
        let reviewer = sign_in(&client, &base, reviewer.signing());
        World {
            _dir: dir,
            config,
            server: Some(server),
            client,
            base,
            log: NoteVerifier::new("amanat.example/uploads", log_key).unwrap(),
            keys,
            case,
            complainant,
            reviewer,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the server (in-flight requests finish) and starts it again on the same data.
    fn restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
        let server = amanat_server::spawn(
            self.config.clone(),
            TcpListener::bind("127.0.0.1:0").unwrap(),
        )
        .unwrap();
        self.base = format!("https://{}", server.addr());
        self.server = Some(server);
    }

    fn create(&self, doc: DocumentId, length: u64) -> Response {
        self.client
            .post(self.url(&format!("/v1/cases/{}/uploads", self.case)))
            .bearer_auth(&self.complainant)
            .json(&CreateUpload {
                document_id: doc,
                kind: DocumentKind::Attachment,
                length,
            })
            .send()
            .unwrap()
    }

    fn start(&self, body: &[u8]) -> UploadState {
        let res = self.create(DocumentId::random(), body.len() as u64);
        assert_eq!(res.status(), 201);
        res.json().unwrap()
    }

    fn patch(&self, id: &str, offset: u64, body: Vec<u8>) -> Response {
        self.client
            .patch(self.url(&format!("/v1/uploads/{id}")))
            .bearer_auth(&self.complainant)
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", offset.to_string())
            .body(body)
            .send()
            .unwrap()
    }

    /// Sends `body[from..]` in chunks of `chunk` bytes, checking each answer.
    fn send_all(&self, id: &str, body: &[u8], from: usize, chunk: usize) {
        let mut at = from;
        while at < body.len() {
            let end = (at + chunk).min(body.len());
            let res = self.patch(id, at as u64, body[at..end].to_vec());
            assert_eq!(res.status(), 204, "{}", res.text().unwrap());
            assert_eq!(res.headers()["upload-offset"], end.to_string().as_str());
            at = end;
        }
    }

    fn state(&self, id: &str) -> Response {
        self.client
            .get(self.url(&format!("/v1/uploads/{id}")))
            .bearer_auth(&self.complainant)
            .send()
            .unwrap()
    }

    fn offset(&self, id: &str) -> u64 {
        let res = self.state(id);
        assert_eq!(res.status(), 200);
        res.json::<UploadState>().unwrap().offset
    }

    fn finish(&self, id: &str, sha256: &[u8]) -> Response {
        self.client
            .post(self.url(&format!("/v1/uploads/{id}/finish")))
            .bearer_auth(&self.complainant)
            .json(&json!({"sha256": hex(sha256)}))
            .send()
            .unwrap()
    }

    /// What a reviewer and an auditor can see: the case's documents and the number of
    /// document entries in the log (a reviewer opening the case logs an entry of its own).
    fn visible(&self) -> (Vec<DocumentId>, u64) {
        let detail: CaseDetail = self
            .client
            .get(self.url(&format!("/v1/cases/{}", self.case)))
            .bearer_auth(&self.reviewer)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let cp: LogCheckpoint = self
            .client
            .get(self.url("/v1/log/checkpoint"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let size = amanat_protocol::log::checkpoint::SignedCheckpoint(cp.checkpoint)
            .verify(&self.log)
            .unwrap()
            .size;
        let entries = self
            .client
            .get(self.url(&format!("/v1/log/entries?start=0&count={size}")))
            .send()
            .unwrap()
            .bytes()
            .unwrap();
        let mut rest = entries.as_ref();
        let mut documents = 0;
        while !rest.is_empty() {
            let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            if matches!(
                Entry::decode(&rest[4..4 + len]).unwrap(),
                Entry::DocumentReceived(_)
            ) {
                documents += 1;
            }
            rest = &rest[4 + len..];
        }
        (
            detail.documents.iter().map(|d| d.document_id).collect(),
            documents,
        )
    }

    fn blob_dir(&self) -> PathBuf {
        self.config.blob_dir.clone()
    }

    /// Files in the blob store's content-addressed folders (not `tmp/` or `uploads/`).
    fn blobs(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.blob_dir()).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.len() == 2 {
                out.extend(
                    std::fs::read_dir(e.path())
                        .unwrap()
                        .flatten()
                        .map(|f| f.path()),
                );
            }
        }
        out.sort();
        out
    }

    fn partials(&self) -> usize {
        count_files(&self.blob_dir().join("uploads"))
    }
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn sealed(keys: &CaseKeys, len: usize) -> Vec<u8> {
    let content: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    let meta = envelope::DocumentMeta {
        kind: DocumentKind::Attachment,
        name: Some("video.mp4".into()),
        media_type: "video/mp4".into(),
        length: content.len() as u64,
    };
    envelope::seal(&keys.recipient(), &meta, content.as_slice(), Vec::new()).unwrap()
}

#[track_caller]
fn expect_error(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "expected {status} {code}");
    let body: Value = res.json().unwrap();
    let e: ErrorBody = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(e.error, code, "{}", e.message);
    assert!(!e.message.is_empty());
    body
}

#[test]
fn upload_in_chunks_then_finish_with_a_receipt() {
    upload_in_chunks(World::new(|_| {}));
}

/// The happy path and a restart on PostgreSQL (AMANAT_TEST_POSTGRES_URL), where the
/// finishing transaction's claim and the collector's deletes run under real concurrency rules.
#[test]
fn uploads_on_postgres() {
    let Some(db) = common::PgDatabase::create("amanat_uploads") else {
        return;
    };
    let mut w = World::on(Some(db.url()), |_| {});
    let body = sealed(&w.keys, 300_000);
    let st = w.start(&body);
    w.send_all(&st.upload_id, &body[..100_000], 0, 100_000);
    w.restart();
    w.send_all(&st.upload_id, &body, 100_000, 100_000);
    let sha: [u8; 32] = Sha256::digest(&body).into();
    assert_eq!(w.finish(&st.upload_id, &sha).status(), 201);
    upload_in_chunks(w);
}

fn upload_in_chunks(w: World) {
    let body = sealed(&w.keys, 1_000_000);
    let sha: [u8; 32] = Sha256::digest(&body).into();
    let doc = DocumentId::random();
    let res = w.create(doc, body.len() as u64);
    assert_eq!(res.status(), 201);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/v1/uploads/")
    );
    let st: UploadState = res.json().unwrap();
    assert_eq!(
        (st.offset, st.length, st.document_id),
        (0, body.len() as u64, doc)
    );
    assert_eq!(st.upload_id.len(), 32);

    // A create whose answer was lost is answered again with the same upload.
    let again = w.create(doc, body.len() as u64);
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<UploadState>().unwrap().upload_id, st.upload_id);

    w.send_all(&st.upload_id, &body[..300_000], 0, 100_000);
    assert_eq!(w.offset(&st.upload_id), 300_000);
    // Nothing is visible before finish.
    let before = w.visible();
    assert!(!before.0.contains(&doc));
    let early = expect_error(w.finish(&st.upload_id, &sha), 400, "incomplete");
    assert_eq!(early["offset"], 300_000);

    w.send_all(&st.upload_id, &body, 300_000, 256 * 1024);
    let res = w.finish(&st.upload_id, &sha);
    assert_eq!(res.status(), 201);
    let info: DocumentInfo = res.json().unwrap();
    assert_eq!(
        (info.sha256, info.length, info.document_id),
        (sha, body.len() as u64, doc)
    );
    let receipt = Receipt::parse(info.receipt.as_deref().unwrap())
        .unwrap()
        .verify(&w.log)
        .unwrap();
    assert!(
        matches!(receipt.entry, Entry::DocumentReceived(ref d) if d.document == doc && d.sha256 == sha)
    );

    // A retried finish gets the same answer; the upload is not a document twice.
    let res = w.finish(&st.upload_id, &sha);
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<DocumentInfo>().unwrap(), info);
    let mut expected = before.0.clone();
    expected.push(doc);
    expected.sort_by_key(|d| d.to_string());
    let mut now = w.visible();
    now.0.sort_by_key(|d| d.to_string());
    assert_eq!(now, (expected, before.1 + 1));
    expect_error(w.state(&st.upload_id), 404, "not_found");
    assert_eq!(w.partials(), 0);

    // The stored bytes are exactly what was sent, and decrypt.
    let stored = w
        .client
        .get(w.url(&format!("/v1/cases/{}/documents/{doc}", w.case)))
        .bearer_auth(&w.reviewer)
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(stored.as_ref(), body.as_slice());
    let mut plain = Vec::new();
    envelope::open(w.keys.identity(), stored.as_ref(), &mut plain).unwrap();
    assert_eq!(plain.len(), 1_000_000);

    // The document id is now taken.
    expect_error(w.create(doc, 5000), 409, "conflict");
}

#[test]
fn a_chunk_at_the_wrong_offset_or_sent_twice_is_refused_with_the_state() {
    let w = World::new(|_| {});
    let body = sealed(&w.keys, 200_000);
    let st = w.start(&body);
    let id = &st.upload_id;
    w.send_all(id, &body[..50_000], 0, 50_000);

    // Ahead of the server: refused, and told where to resume.
    let res = w.patch(id, 60_000, body[60_000..70_000].to_vec());
    assert_eq!(res.headers()["upload-offset"], "50000");
    let e = expect_error(res, 409, "offset_mismatch");
    assert_eq!(e["offset"], 50_000);
    assert_eq!(e["upload_id"], id.as_str());
    // The same chunk again (its answer was lost): refused, nothing appended twice.
    let e = expect_error(
        w.patch(id, 0, body[..50_000].to_vec()),
        409,
        "offset_mismatch",
    );
    assert_eq!(e["offset"], 50_000);
    assert_eq!(w.offset(id), 50_000);

    w.send_all(id, &body, 50_000, 64 * 1024);
    let sha: [u8; 32] = Sha256::digest(&body).into();
    assert_eq!(w.finish(id, &sha).status(), 201);
}

#[test]
fn oversized_chunks_are_refused_and_change_nothing() {
    let w = World::new(|_| {});
    let body = sealed(&w.keys, 100_000);
    let st = w.start(&body);
    let id = &st.upload_id;
    w.send_all(id, &body[..10_000], 0, 10_000);

    // Declared larger than a chunk may be.
    let big = vec![0u8; MAX_CHUNK as usize + 1];
    match w
        .client
        .patch(w.url(&format!("/v1/uploads/{id}")))
        .bearer_auth(&w.complainant)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "10000")
        .body(big)
        .send()
    {
        // The server answers before reading the body; the client may see the answer or
        // only the closed connection.
        Ok(res) => {
            expect_error(res, 413, "too_large");
        }
        Err(e) => eprintln!("the oversized chunk's answer was lost: {e}"),
    }
    assert_eq!(w.offset(id), 10_000);

    // Declared within a chunk, but past the upload's length.
    let past = vec![1u8; body.len() - 10_000 + 1];
    expect_error(w.patch(id, 10_000, past.clone()), 413, "too_large");
    assert_eq!(w.offset(id), 10_000);

    // The same without a Content-Length (chunked): found while streaming, cut off again.
    let res = w
        .client
        .patch(w.url(&format!("/v1/uploads/{id}")))
        .bearer_auth(&w.complainant)
        .header("content-type", "application/offset+octet-stream")
        .header("upload-offset", "10000")
        .body(reqwest::blocking::Body::new(std::io::Cursor::new(past)))
        .send()
        .unwrap();
    expect_error(res, 413, "too_large");
    assert_eq!(w.offset(id), 10_000);

    w.send_all(id, &body, 10_000, 40_000);
    let sha: [u8; 32] = Sha256::digest(&body).into();
    assert_eq!(w.finish(id, &sha).status(), 201);
}

#[test]
fn a_wrong_hash_or_a_non_age_payload_discards_the_upload() {
    let w = World::new(|_| {});
    let blobs_before = w.blobs();
    let visible_before = w.visible();

    let body = sealed(&w.keys, 100_000);
    let st = w.start(&body);
    w.send_all(&st.upload_id, &body, 0, 30_000);
    let mut wrong: [u8; 32] = Sha256::digest(&body).into();
    wrong[0] ^= 1;
    expect_error(w.finish(&st.upload_id, &wrong), 400, "hash_mismatch");
    expect_error(w.state(&st.upload_id), 404, "not_found");

    // Random bytes of a length a padded document could have.
    let fake: Vec<u8> = (0..body.len()).map(|i| (i * 31 % 256) as u8).collect();
    let st = w.start(&fake);
    w.send_all(&st.upload_id, &fake, 0, 60_000);
    let sha: [u8; 32] = Sha256::digest(&fake).into();
    expect_error(w.finish(&st.upload_id, &sha), 400, "not_age");
    expect_error(w.state(&st.upload_id), 404, "not_found");

    // A well-formed age file with a tail cut off and replaced: the length is fine, the
    // padded-length check is not fooled by an unpadded one.
    let mut short = body.clone();
    short.truncate(body.len() - 1000);
    let st = w.start(&short);
    w.send_all(&st.upload_id, &short, 0, 60_000);
    let sha: [u8; 32] = Sha256::digest(&short).into();
    expect_error(w.finish(&st.upload_id, &sha), 400, "not_age");

    assert_eq!(w.visible(), visible_before);
    assert_eq!(w.blobs(), blobs_before);
    assert_eq!(w.partials(), 0);
}

#[test]
fn limits_and_other_cases_are_refused() {
    let w = World::new(|c| c.max_document_bytes = u64::MAX / 4);
    let available = {
        let st = rustix::fs::statvfs(w.blob_dir()).unwrap();
        st.f_bavail * st.f_frsize
    };
    expect_error(
        w.create(DocumentId::random(), available + (1 << 30)),
        507,
        "insufficient_storage",
    );
    let small = World::new(|c| c.max_document_bytes = 1024 * 1024);
    expect_error(
        small.create(DocumentId::random(), 1024 * 1024 + 1),
        413,
        "too_large",
    );

    // Someone else's case, a staff session, a malformed id: nothing to see.
    let body = sealed(&w.keys, 10_000);
    let st = w.start(&body);
    let other = w
        .client
        .post(w.url(&format!("/v1/cases/{}/uploads", CaseId::random())))
        .bearer_auth(&w.complainant)
        .json(&CreateUpload {
            document_id: DocumentId::random(),
            kind: DocumentKind::Attachment,
            length: 5000,
        })
        .send()
        .unwrap();
    expect_error(other, 404, "not_found");
    let staff = w
        .client
        .get(w.url(&format!("/v1/uploads/{}", st.upload_id)))
        .bearer_auth(&w.reviewer)
        .send()
        .unwrap();
    expect_error(staff, 404, "not_found");
    let unknown = w.state(&hex(&[7u8; 16]));
    expect_error(unknown, 404, "not_found");
    expect_error(w.state("../../etc/passwd"), 404, "not_found");
    expect_error(w.state("ABCDEF"), 400, "bad_request");
    let reply = w
        .client
        .post(w.url(&format!("/v1/cases/{}/uploads", w.case)))
        .bearer_auth(&w.complainant)
        .json(&json!({"document_id": DocumentId::random(), "kind": "reply", "length": 5000}))
        .send()
        .unwrap();
    expect_error(reply, 400, "bad_request");
    let no_offset = w
        .client
        .patch(w.url(&format!("/v1/uploads/{}", st.upload_id)))
        .bearer_auth(&w.complainant)
        .header("content-type", "application/offset+octet-stream")
        .body(vec![0u8; 10])
        .send()
        .unwrap();
    expect_error(no_offset, 400, "bad_request");
    let wrong_type = w
        .client
        .patch(w.url(&format!("/v1/uploads/{}", st.upload_id)))
        .bearer_auth(&w.complainant)
        .header("content-type", "application/octet-stream")
        .header("upload-offset", "0")
        .body(vec![0u8; 10])
        .send()
        .unwrap();
    expect_error(wrong_type, 415, "unsupported_media_type");

    // Delete: gone, bytes and all.
    w.send_all(&st.upload_id, &body[..1000], 0, 1000);
    let res = w
        .client
        .delete(w.url(&format!("/v1/uploads/{}", st.upload_id)))
        .bearer_auth(&w.complainant)
        .send()
        .unwrap();
    assert_eq!(res.status(), 204);
    expect_error(w.state(&st.upload_id), 404, "not_found");
    assert_eq!(w.partials(), 0);
}

#[test]
fn an_upload_survives_a_server_restart() {
    let mut w = World::new(|_| {});
    let body = sealed(&w.keys, 2_000_000);
    let st = w.start(&body);
    w.send_all(&st.upload_id, &body[..1_200_000], 0, 400_000);
    w.restart();
    assert_eq!(w.offset(&st.upload_id), 1_200_000);
    // The hash state did not survive; finishing hashes the file again.
    w.send_all(&st.upload_id, &body, 1_200_000, 500_000);
    let sha: [u8; 32] = Sha256::digest(&body).into();
    let res = w.finish(&st.upload_id, &sha);
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<DocumentInfo>().unwrap().sha256, sha);
}

#[test]
fn an_abandoned_upload_is_collected() {
    let w = World::new(|c| c.upload_ttl_secs = 1);
    let body = sealed(&w.keys, 100_000);
    let st = w.start(&body);
    w.send_all(&st.upload_id, &body[..20_000], 0, 20_000);
    assert_eq!(w.partials(), 1);
    let mut waited = Duration::ZERO;
    while w.partials() > 0 {
        assert!(
            waited < Duration::from_secs(20),
            "the upload was not collected"
        );
        std::thread::sleep(Duration::from_millis(250));
        waited += Duration::from_millis(250);
    }
    expect_error(w.state(&st.upload_id), 404, "not_found");
    expect_error(
        w.patch(&st.upload_id, 20_000, body[20_000..].to_vec()),
        404,
        "not_found",
    );
    assert!(w.visible().0.is_empty());

    // Bytes nobody owns (left by a crash) go at the next start.
    let stray = w.blob_dir().join("uploads").join(hex(&[9u8; 16]));
    std::fs::write(&stray, b"x").unwrap();
    let mut w = w;
    w.restart();
    assert!(!stray.exists());
}
