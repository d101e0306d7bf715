//! The HTTP API of docs/protocol.md, driven in-process through `amanat_server::spawn` with
//! real keys, real age files and a pinned TLS client: the happy path a complainant and a
//! reviewer take, and what an attacker or a confused client can try against each route.
//! Runs on SQLite; also on PostgreSQL when AMANAT_TEST_POSTGRES_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;

use common::{Api, B64, expect_error, member, now, put_doc, seal, sign_in, signed_ring, token};

use amanat_protocol::codename::CaseKeys;
use amanat_protocol::keyring::{Keyring, Role, RootKey, SignedKeyring};
use amanat_protocol::keys::StaffKeys;
use amanat_protocol::log::entry::{Acknowledgement, DocumentReceived, Entry, Verdict};
use amanat_protocol::log::merkle;
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::log::receipt::{Receipt, Verified};
use amanat_protocol::wire::{
    AckRecorded, AckRequest, CaseDetail, CaseSummary, Challenge, CreateCase, DocumentInfo,
    DocumentKind, ErrorBody, GrantUpload, LogCheckpoint, LogProof, Principal, Session, VerdictWire,
};
use amanat_protocol::{CaseId, DocumentId, auth, envelope, grant};
use base64::Engine;
use serde_json::{Value, json};

/// MTH straight from RFC 9162's recursive definition, to check the server's roots.
fn mth(entries: &[Vec<u8>]) -> [u8; 32] {
    match entries.len() {
        0 => merkle::empty_root(),
        1 => merkle::leaf_hash(&entries[0]),
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            merkle::node_hash(&mth(&entries[..k]), &mth(&entries[k..]))
        }
    }
}

/// The log as an auditor sees it: checkpoints, entries and proofs, all checked.
struct Auditor<'a> {
    api: &'a Api,
    log: NoteVerifier,
}

impl Auditor<'_> {
    fn checkpoint(&self) -> amanat_protocol::log::checkpoint::Checkpoint {
        let res = self.api.get("/v1/log/checkpoint").send().unwrap();
        assert_eq!(res.status(), 200);
        let c: LogCheckpoint = res.json().unwrap();
        amanat_protocol::log::checkpoint::SignedCheckpoint(c.checkpoint)
            .verify(&self.log)
            .unwrap()
    }

    fn entries(&self, start: u64, count: u64) -> Vec<Vec<u8>> {
        let res = self
            .api
            .get(&format!("/v1/log/entries?start={start}&count={count}"))
            .send()
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "application/octet-stream");
        let body = res.bytes().unwrap();
        let mut rest = body.as_ref();
        let mut out = Vec::new();
        while !rest.is_empty() {
            let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            out.push(rest[4..4 + len].to_vec());
            rest = &rest[4 + len..];
        }
        out
    }

    fn proof(&self, path: &str) -> Vec<[u8; 32]> {
        let res = self.api.get(path).send().unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let p: LogProof = res.json().unwrap();
        p.proof.into_iter().map(|h| h.0).collect()
    }

    /// Verifies a receipt offline, then checks its checkpoint against the latest one.
    fn receipt(&self, text: &str) -> Verified {
        let v = Receipt::parse(text).unwrap().verify(&self.log).unwrap();
        let latest = self.checkpoint();
        let proof = self.proof(&format!(
            "/v1/log/proof/consistency?from={}&to={}",
            v.checkpoint.size, latest.size
        ));
        merkle::verify_consistency(
            v.checkpoint.size,
            latest.size,
            &proof,
            &v.checkpoint.root,
            &latest.root,
        )
        .unwrap();
        v
    }
}

fn tmp_files(blob_dir: &std::path::Path) -> usize {
    std::fs::read_dir(blob_dir.join("tmp")).unwrap().count()
}

fn scenario(database_url: Option<String>) {
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
        Some("amanat.example/test-log"),
    )
    .unwrap();
    assert_eq!(report.log_origin, "amanat.example/test-log");
    let log_key: [u8; 32] = B64
        .decode(&report.log_public_key)
        .unwrap()
        .try_into()
        .unwrap();
    let mut config = report.config.clone();
    config.max_document_bytes = 1024 * 1024;
    config.pow_bits = common::TEST_POW_BITS;
    let blob_dir = config.blob_dir.clone();
    let server = amanat_server::spawn(config, TcpListener::bind("127.0.0.1:0").unwrap()).unwrap();
    let api = Api {
        client: common::pinned_client(&report.cert_sha256),
        base: format!("https://{}", server.addr()),
    };

    let auditor_view = Auditor {
        api: &api,
        log: NoteVerifier::new("amanat.example/test-log", log_key).unwrap(),
    };

    // --- before any keyring: an empty log still has a signed checkpoint ---
    let empty = auditor_view.checkpoint();
    assert_eq!((empty.size, empty.root), (0, merkle::empty_root()));
    assert!(auditor_view.entries(0, 10).is_empty());
    let health: Value = api.get("/v1/health").send().unwrap().json().unwrap();
    assert_eq!(health, json!({"status": "ok", "keyring_version": null}));
    expect_error(api.get("/v1/keyring").send().unwrap(), 404, "no_keyring");
    let case_keys = CaseKeys::random().unwrap();
    let early = CreateCase {
        case_id: CaseId::random(),
        auth_key: case_keys.auth_public(),
        commitment: [1; 32],
        keyring_version: 1,
        grants: vec![],
    };
    expect_error(api.post("/v1/cases", &early), 409, "no_keyring");

    // --- publishing keyrings ---
    let aigerim = StaffKeys::generate("aigerim".parse().unwrap(), "Айгерим".into());
    let bolat = StaffKeys::generate("bolat".parse().unwrap(), "Болат".into());
    let dana = StaffKeys::generate("dana".parse().unwrap(), "Dana".into());
    let v1 = signed_ring(
        &root,
        1,
        vec![
            member(&aigerim, &[Role::Reviewer]),
            member(&bolat, &[Role::Reviewer]),
            member(&dana, &[Role::Auditor]),
        ],
    );
    let res = api.post("/v1/keyring", &v1);
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().unwrap(), json!({"version": 1}));
    let m = expect_error(api.post("/v1/keyring", &v1), 409, "keyring_rollback").message;
    assert!(m.contains('1'), "{m}");
    let stranger = RootKey::generate();
    expect_error(
        api.post("/v1/keyring", &signed_ring(&stranger, 2, vec![])),
        400,
        "unknown_root",
    );
    let mut forged = signed_ring(&root, 2, vec![member(&aigerim, &[Role::Reviewer])]);
    forged.body = serde_json::to_vec(&Keyring {
        version: 2,
        staff: vec![member(&dana, &[Role::Reviewer])],
        ..Keyring::genesis()
    })
    .unwrap();
    expect_error(api.post("/v1/keyring", &forged), 400, "bad_signature");
    expect_error(
        api.post("/v1/keyring", &json!({"root_key": "x"})),
        400,
        "bad_keyring",
    );
    let res = api
        .client
        .post(api.url("/v1/keyring"))
        .header("content-type", "text/plain")
        .body(serde_json::to_vec(&v1).unwrap())
        .send()
        .unwrap();
    expect_error(res, 415, "unsupported_media_type");
    let fetched: SignedKeyring = api.get("/v1/keyring").send().unwrap().json().unwrap();
    assert_eq!(fetched, v1);
    let verified = v1.verify(&root.fingerprint()).unwrap();

    // --- opening a case ---
    let case_id = CaseId::random();
    let grants: Vec<GrantUpload> = verified
        .keyring()
        .reviewers()
        .map(|r| grant::wrap(case_id, case_keys.identity(), r).unwrap())
        .collect();
    let commitment = case_keys.commitment(&case_id).unwrap();
    let create = CreateCase {
        case_id,
        auth_key: case_keys.auth_public(),
        commitment,
        keyring_version: 1,
        grants: grants.clone(),
    };
    let stale = CreateCase {
        keyring_version: 7,
        ..create.clone()
    };
    expect_error(api.post("/v1/cases", &stale), 409, "stale_keyring");
    let missing = CreateCase {
        grants: grants[..1].to_vec(),
        ..create.clone()
    };
    expect_error(api.post("/v1/cases", &missing), 400, "bad_grants");
    let mut doubled = create.clone();
    doubled.grants.push(grants[0].clone());
    expect_error(api.post("/v1/cases", &doubled), 400, "bad_grants");
    let mut to_auditor = create.clone();
    to_auditor.grants[1].staff_id = "dana".parse().unwrap();
    expect_error(api.post("/v1/cases", &to_auditor), 400, "bad_grants");
    let mut not_age = create.clone();
    not_age.grants[0].ciphertext = b"%PDF-1.7 hello".to_vec();
    expect_error(api.post("/v1/cases", &not_age), 400, "bad_grants");
    let mut bad_key = serde_json::to_value(&create).unwrap();
    // The identity point: decodes, but is a weak key any signature could match.
    let mut weak = [0u8; 32];
    weak[0] = 1;
    bad_key["auth_key"] = json!(B64.encode(weak));
    let res = api.post("/v1/cases", &bad_key);
    assert_eq!(res.status(), 400);

    let res = api.post("/v1/cases", &create);
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.json::<Value>().unwrap(),
        json!({"case_id": case_id.to_string()})
    );
    expect_error(api.post("/v1/cases", &create), 409, "conflict");
    let same_key = CreateCase {
        case_id: CaseId::random(),
        commitment: [2; 32],
        ..create.clone()
    };
    expect_error(api.post("/v1/cases", &same_key), 409, "conflict");
    // Nobody may file under another case's pseudonym in the log.
    let same_commitment = CreateCase {
        case_id: CaseId::random(),
        auth_key: CaseKeys::random().unwrap().auth_public(),
        ..create.clone()
    };
    expect_error(api.post("/v1/cases", &same_commitment), 409, "conflict");

    // --- authentication ---
    let res = sign_in(&api, case_keys.auth());
    assert_eq!(res.status(), 200);
    let session: Session = res.json().unwrap();
    assert_eq!(session.principal, Principal::Case { case_id });
    let complainant = session.token;

    // A key nobody knows still gets a challenge, but no session.
    let nobody = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let unknown = expect_error(sign_in(&api, &nobody), 401, "unauthorized");
    // A challenge works once; a signature by another key fails; all with one message.
    let c: Challenge = api
        .post(
            "/v1/auth/challenge",
            &json!({"public_key": B64.encode(case_keys.auth_public())}),
        )
        .json()
        .unwrap();
    use ed25519_dalek::Signer;
    let good_sig = case_keys
        .auth()
        .sign(&auth::message(&c.challenge))
        .to_bytes();
    let bad_sig = nobody.sign(&auth::message(&c.challenge)).to_bytes();
    let attempt = |sig: &[u8]| {
        api.post(
            "/v1/auth/session",
            &json!({"public_key": B64.encode(case_keys.auth_public()),
                    "challenge": B64.encode(c.challenge), "signature": B64.encode(sig)}),
        )
    };
    let wrong = expect_error(attempt(&bad_sig), 401, "unauthorized");
    let reused = expect_error(attempt(&good_sig), 401, "unauthorized");
    assert_eq!(unknown.message, wrong.message);
    assert_eq!(wrong.message, reused.message);

    // --- uploads ---
    let doc_id = DocumentId::random();
    let form = seal(&case_keys, DocumentKind::AppealForm, br#"{"city":"x"}"#);
    let res = put_doc(
        &api,
        &complainant,
        &case_id,
        &doc_id,
        "appeal-form",
        form.clone(),
    );
    assert_eq!(res.status(), 201);
    let info: DocumentInfo = res.json().unwrap();
    assert_eq!(info.length, form.len() as u64);
    assert_eq!(info.kind, DocumentKind::AppealForm);
    // The receipt proves exactly what was stored, under the case's commitment.
    let logged = auditor_view.receipt(info.receipt.as_deref().unwrap());
    assert_eq!(
        logged.entry,
        Entry::DocumentReceived(DocumentReceived {
            case: commitment,
            document: doc_id,
            kind: DocumentKind::AppealForm,
            sha256: info.sha256,
            length: info.length,
            received_at: info.received_at,
        })
    );
    assert_eq!(logged.index, 1, "the keyring is entry 0");
    // A retry of the same bytes is fine and logs nothing new; other bytes under the same
    // id are refused.
    let res = put_doc(
        &api,
        &complainant,
        &case_id,
        &doc_id,
        "appeal-form",
        form.clone(),
    );
    assert_eq!(res.status(), 200);
    let again: DocumentInfo = res.json().unwrap();
    assert_eq!(
        DocumentInfo {
            receipt: None,
            ..again.clone()
        },
        DocumentInfo {
            receipt: None,
            ..info.clone()
        }
    );
    let relogged = auditor_view.receipt(again.receipt.as_deref().unwrap());
    assert_eq!(
        (relogged.index, &relogged.entry),
        (logged.index, &logged.entry)
    );
    assert_eq!(auditor_view.checkpoint().size, 2);
    let other = seal(&case_keys, DocumentKind::AppealForm, b"other");
    expect_error(
        put_doc(&api, &complainant, &case_id, &doc_id, "appeal-form", other),
        409,
        "conflict",
    );
    let attachment = seal(&case_keys, DocumentKind::Attachment, &vec![7u8; 300_000]);
    let attachment_id = DocumentId::random();
    let res = put_doc(
        &api,
        &complainant,
        &case_id,
        &attachment_id,
        "attachment",
        attachment,
    );
    assert_eq!(res.status(), 201);
    let poa_id = DocumentId::random();
    let poa = seal(&case_keys, DocumentKind::PowerOfAttorney, b"I authorise...");
    let res = put_doc(
        &api,
        &complainant,
        &case_id,
        &poa_id,
        "power-of-attorney",
        poa,
    );
    assert_eq!(res.status(), 201);
    let poa_info: DocumentInfo = res.json().unwrap();
    assert_eq!(
        auditor_view
            .receipt(poa_info.receipt.as_deref().unwrap())
            .index,
        3
    );
    let size_after_uploads = auditor_view.checkpoint().size;

    let fresh = DocumentId::random();
    expect_error(
        put_doc(&api, &complainant, &case_id, &fresh, "reply", form.clone()),
        400,
        "bad_request",
    );
    expect_error(
        put_doc(
            &api,
            &complainant,
            &case_id,
            &fresh,
            "appeal-form",
            b"%PDF-1.7\n".repeat(600),
        ),
        400,
        "not_age",
    );
    let truncated = form[..form.len() - 100].to_vec();
    expect_error(
        put_doc(
            &api,
            &complainant,
            &case_id,
            &fresh,
            "appeal-form",
            truncated,
        ),
        400,
        "not_age",
    );
    expect_error(
        put_doc(&api, &complainant, &case_id, &fresh, "appeal-form", vec![]),
        400,
        "not_age",
    );
    let huge = seal(
        &case_keys,
        DocumentKind::Attachment,
        &vec![1u8; 2 * 1024 * 1024],
    );
    expect_error(
        put_doc(&api, &complainant, &case_id, &fresh, "attachment", huge),
        413,
        "too_large",
    );
    assert_eq!(
        tmp_files(&blob_dir),
        0,
        "refused uploads leave nothing behind"
    );
    expect_error(
        put_doc(
            &api,
            &complainant,
            &CaseId::random(),
            &fresh,
            "appeal-form",
            form.clone(),
        ),
        404,
        "not_found",
    );
    expect_error(
        put_doc(
            &api,
            "not-a-token",
            &case_id,
            &fresh,
            "appeal-form",
            form.clone(),
        ),
        401,
        "unauthorized",
    );
    let res = api
        .client
        .put(api.url(&format!(
            "/v1/cases/{case_id}/documents/{fresh}?kind=appeal-form"
        )))
        .bearer_auth(&complainant)
        .header("content-type", "application/json")
        .body(form.clone())
        .send()
        .unwrap();
    expect_error(res, 415, "unsupported_media_type");
    let res = api
        .client
        .put(api.url(&format!(
            "/v1/cases/{case_id}/documents/..%2F..%2Fetc?kind=appeal-form"
        )))
        .bearer_auth(&complainant)
        .header("content-type", "application/octet-stream")
        .body(form.clone())
        .send()
        .unwrap();
    expect_error(res, 400, "bad_request");
    // A complainant is not a reviewer.
    let res = api
        .get("/v1/cases")
        .bearer_auth(&complainant)
        .send()
        .unwrap();
    expect_error(res, 404, "not_found");

    // --- reviewers ---
    let reviewer = token(&api, aigerim.signing());
    let auditor = token(&api, dana.signing());
    let second = token(&api, bolat.signing());
    // A reviewer with a grant may write notes and replies into the case, not its documents.
    expect_error(
        put_doc(
            &api,
            &reviewer,
            &case_id,
            &fresh,
            "appeal-form",
            form.clone(),
        ),
        400,
        "bad_request",
    );
    // The auditor may not write anything.
    expect_error(
        put_doc(&api, &auditor, &case_id, &fresh, "note", form.clone()),
        404,
        "not_found",
    );
    expect_error(
        api.get("/v1/cases").bearer_auth(&auditor).send().unwrap(),
        404,
        "not_found",
    );
    let list: Vec<CaseSummary> = api
        .get("/v1/cases")
        .bearer_auth(&reviewer)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].case_id, case_id);
    assert_eq!(
        list[0].documents,
        vec![
            DocumentKind::AppealForm,
            DocumentKind::PowerOfAttorney,
            DocumentKind::Attachment
        ]
    );
    let detail: CaseDetail = api
        .get(&format!("/v1/cases/{case_id}"))
        .bearer_auth(&reviewer)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(detail.documents.len(), 3);
    assert_eq!(detail.commitment, commitment);
    let identity = grant::unwrap(case_id, &detail.grant, aigerim.identity()).unwrap();
    let res = api
        .get(&format!("/v1/cases/{case_id}/documents/{doc_id}"))
        .bearer_auth(&reviewer)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/octet-stream");
    let bytes = res.bytes().unwrap();
    assert_eq!(bytes.as_ref(), form.as_slice());
    let (meta, content) = envelope::open_to_vec(&identity, bytes.as_ref(), 1 << 20).unwrap();
    assert_eq!(meta.kind, DocumentKind::AppealForm);
    assert_eq!(content.as_slice(), br#"{"city":"x"}"#);
    for path in [
        format!("/v1/cases/{}", CaseId::random()),
        format!("/v1/cases/{case_id}/documents/{}", DocumentId::random()),
    ] {
        expect_error(
            api.get(&path).bearer_auth(&reviewer).send().unwrap(),
            404,
            "not_found",
        );
    }
    for path in [
        "/v1/cases/..%2F..%2Fetc%2Fpasswd",
        "/v1/cases/not-a-uuid",
        "/v1/cases/{00000000-0000-0000-0000-000000000000}",
    ] {
        let res = api.get(path).bearer_auth(&reviewer).send().unwrap();
        let status = res.status().as_u16();
        assert!(status == 400 || status == 404, "{path}: {status}");
        assert_eq!(res.headers()["content-type"], "application/json");
    }
    expect_error(
        api.client
            .delete(api.url("/v1/cases"))
            .bearer_auth(&reviewer)
            .send()
            .unwrap(),
        405,
        "method_not_allowed",
    );
    expect_error(api.get("/nothing/here").send().unwrap(), 404, "not_found");
    assert_eq!(
        auditor_view.checkpoint().size,
        size_after_uploads + 1,
        "refused uploads log nothing; opening the case logs one staff action"
    );

    // --- acknowledging the power of attorney ---
    let ack = |signer: &StaffKeys, doc: &DocumentInfo, verdict: Verdict, signed_at: i64| {
        let statement = Acknowledgement {
            case: detail.commitment,
            document: doc.document_id,
            sha256: doc.sha256,
            verdict,
            reviewer: signer.public().verifying_key,
            signed_at,
        };
        let signed = statement.sign(signer.signing());
        let request = AckRequest {
            document_id: doc.document_id,
            verdict: match verdict {
                Verdict::Accepted => VerdictWire::Accepted,
                Verdict::Rejected(reason) => VerdictWire::Rejected { reason },
            },
            signed_at,
            signature: signed.signature.to_vec(),
        };
        (signed, request)
    };
    let post_ack = |token: &str, case: &CaseId, req: &AckRequest| {
        api.client
            .post(api.url(&format!("/v1/cases/{case}/acknowledgements")))
            .bearer_auth(token)
            .json(req)
            .send()
            .unwrap()
    };
    let (signed, request) = ack(&aigerim, &poa_info, Verdict::Rejected(7), now());
    let res = post_ack(&reviewer, &case_id, &request);
    assert_eq!(res.status(), 201, "{}", res.text().unwrap());
    let recorded: AckRecorded = res.json().unwrap();
    let acked = auditor_view.receipt(&recorded.receipt);
    assert_eq!(acked.entry, Entry::PoaAcknowledged(signed));
    // The wire form is `{"document_id", "verdict": "rejected", "reason", …}`.
    let wire = serde_json::to_value(&request).unwrap();
    assert_eq!(
        (&wire["verdict"], &wire["reason"]),
        (&json!("rejected"), &json!(7))
    );

    // Signed by someone else's key, or over other facts than the server's: refused.
    let (_, by_bolat) = ack(&bolat, &poa_info, Verdict::Accepted, now());
    expect_error(
        post_ack(&reviewer, &case_id, &by_bolat),
        400,
        "bad_signature",
    );
    let mut other_bytes = poa_info.clone();
    other_bytes.sha256 = [9; 32];
    let (_, wrong_sha) = ack(&aigerim, &other_bytes, Verdict::Accepted, now());
    expect_error(
        post_ack(&reviewer, &case_id, &wrong_sha),
        400,
        "bad_signature",
    );
    let (_, mut flipped) = ack(&aigerim, &poa_info, Verdict::Rejected(7), now());
    flipped.verdict = VerdictWire::Accepted;
    expect_error(
        post_ack(&reviewer, &case_id, &flipped),
        400,
        "bad_signature",
    );
    let (_, mut short) = ack(&aigerim, &poa_info, Verdict::Accepted, now());
    short.signature.truncate(10);
    expect_error(post_ack(&reviewer, &case_id, &short), 400, "bad_signature");
    let (_, stale) = ack(&aigerim, &poa_info, Verdict::Accepted, now() - 3600);
    expect_error(post_ack(&reviewer, &case_id, &stale), 400, "bad_time");
    let (_, early_ack) = ack(&aigerim, &poa_info, Verdict::Accepted, now() + 3600);
    expect_error(post_ack(&reviewer, &case_id, &early_ack), 400, "bad_time");
    // Only a power of attorney, only this case's documents, only reviewers holding a grant.
    let (_, on_form) = ack(&aigerim, &info, Verdict::Accepted, now());
    expect_error(
        post_ack(&reviewer, &case_id, &on_form),
        400,
        "not_power_of_attorney",
    );
    let (_, mut unknown_doc) = ack(&aigerim, &poa_info, Verdict::Accepted, now());
    unknown_doc.document_id = DocumentId::random();
    expect_error(
        post_ack(&reviewer, &case_id, &unknown_doc),
        404,
        "not_found",
    );
    let (_, good) = ack(&aigerim, &poa_info, Verdict::Accepted, now());
    expect_error(
        post_ack(&reviewer, &CaseId::random(), &good),
        404,
        "not_found",
    );
    expect_error(post_ack(&auditor, &case_id, &good), 404, "not_found");
    expect_error(post_ack(&complainant, &case_id, &good), 404, "not_found");
    expect_error(post_ack("nonsense", &case_id, &good), 401, "unauthorized");
    let res = api
        .client
        .post(api.url(&format!("/v1/cases/{case_id}/acknowledgements")))
        .bearer_auth(&reviewer)
        .json(&json!({"document_id": poa_id.to_string(), "verdict": "maybe", "signed_at": 1, "signature": ""}))
        .send()
        .unwrap();
    expect_error(res, 400, "bad_request");
    let good_json = serde_json::to_value(&good).unwrap();
    for (field, value) in [
        ("reason", json!(3)),
        ("extra", json!(1)),
        ("verdict", json!("rejected")),
    ] {
        let mut body = good_json.clone();
        body[field] = value;
        let res = api
            .client
            .post(api.url(&format!("/v1/cases/{case_id}/acknowledgements")))
            .bearer_auth(&reviewer)
            .json(&body)
            .send()
            .unwrap();
        expect_error(res, 400, "bad_request");
    }
    assert_eq!(
        auditor_view.checkpoint().size,
        size_after_uploads + 3,
        "refused acknowledgements log nothing; the one accepted logs itself and the action"
    );

    // --- a new keyring drops bolat: his session and grant go at once ---
    let v3 = signed_ring(
        &root,
        3,
        vec![
            member(&aigerim, &[Role::Reviewer]),
            member(&dana, &[Role::Auditor]),
        ],
    );
    assert_eq!(api.post("/v1/keyring", &v3).status(), 200);
    let m = expect_error(api.post("/v1/keyring", &v1), 409, "keyring_rollback").message;
    assert!(m.contains('1') && m.contains('3'), "{m}");
    expect_error(
        api.get("/v1/cases").bearer_auth(&second).send().unwrap(),
        401,
        "unauthorized",
    );
    expect_error(sign_in(&api, bolat.signing()), 401, "unauthorized");
    let still: Vec<CaseSummary> = api
        .get("/v1/cases")
        .bearer_auth(&reviewer)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(still.len(), 1);
    // Re-admitted later, bolat has no grant until someone re-wraps the case for him.
    let v4 = signed_ring(
        &root,
        4,
        vec![
            member(&aigerim, &[Role::Reviewer]),
            member(&bolat, &[Role::Reviewer]),
        ],
    );
    assert_eq!(api.post("/v1/keyring", &v4).status(), 200);
    let back = token(&api, bolat.signing());
    expect_error(
        api.get(&format!("/v1/cases/{case_id}"))
            .bearer_auth(&back)
            .send()
            .unwrap(),
        404,
        "not_found",
    );
    // A reviewer without a grant for the case cannot acknowledge in it.
    let (_, from_back) = ack(&bolat, &poa_info, Verdict::Accepted, now());
    expect_error(post_ack(&back, &case_id, &from_back), 404, "not_found");
    // dana left the keyring in v4: her session died with it.
    expect_error(
        api.get("/v1/cases").bearer_auth(&auditor).send().unwrap(),
        401,
        "unauthorized",
    );
    // A case prepared for the old keyring is refused.
    let late = CreateCase {
        case_id: CaseId::random(),
        auth_key: CaseKeys::random().unwrap().auth_public(),
        commitment: [3; 32],
        keyring_version: 3,
        grants: vec![],
    };
    expect_error(api.post("/v1/cases", &late), 409, "stale_keyring");

    // --- signing out ---
    let res = api
        .client
        .delete(api.url("/v1/auth/session"))
        .bearer_auth(&reviewer)
        .send()
        .unwrap();
    assert_eq!(res.status(), 204);
    expect_error(
        api.get("/v1/cases").bearer_auth(&reviewer).send().unwrap(),
        401,
        "unauthorized",
    );
    let health: Value = api.get("/v1/health").send().unwrap().json().unwrap();
    assert_eq!(health["keyring_version"], 4);

    log_as_auditor(&auditor_view, &root, &[v1, v3, v4]);

    server.stop();
}

/// What an auditor does with the public routes alone: read every entry, recompute the root,
/// check proofs and keyring history, and get clear refusals for impossible ranges.
fn log_as_auditor(a: &Auditor, root: &RootKey, accepted: &[SignedKeyring]) {
    let head = a.checkpoint();
    let entries = a.entries(0, 100_000);
    assert_eq!(entries.len() as u64, head.size);
    assert_eq!(mth(&entries), head.root);
    // Pages join up exactly, and a page past the end is short.
    let mut paged = Vec::new();
    for start in (0..head.size).step_by(3) {
        paged.extend(a.entries(start, 3));
    }
    assert_eq!(paged, entries);
    assert_eq!(a.entries(head.size - 1, 50).len(), 1);
    assert!(a.entries(head.size, 1).is_empty());
    // The keyrings were logged in the order they were accepted, with their hashes; each
    // can be fetched again by version.
    let logged: Vec<(u64, [u8; 32])> = entries
        .iter()
        .filter_map(|e| match Entry::decode(e).unwrap() {
            Entry::KeyringPublished { version, hash, .. } => Some((version, hash)),
            _ => None,
        })
        .collect();
    let fingerprint = root.fingerprint();
    let expected: Vec<(u64, [u8; 32])> = accepted
        .iter()
        .map(|k| {
            let v = k.verify(&fingerprint).unwrap();
            (v.version(), *v.hash())
        })
        .collect();
    assert_eq!(logged, expected);
    for k in accepted {
        let version = k.verify(&fingerprint).unwrap().version();
        let res = a.api.get(&format!("/v1/keyring/{version}")).send().unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(&res.json::<SignedKeyring>().unwrap(), k);
    }
    expect_error(a.api.get("/v1/keyring/2").send().unwrap(), 404, "not_found");
    expect_error(
        a.api
            .get("/v1/keyring/99999999999999999999")
            .send()
            .unwrap(),
        400,
        "bad_request",
    );
    expect_error(
        a.api.get("/v1/keyring/-1").send().unwrap(),
        400,
        "bad_request",
    );
    // Every inclusion and consistency proof the server gives checks out.
    for size in 1..=head.size {
        let root_n = mth(&entries[..size as usize]);
        for index in 0..size {
            let proof = a.proof(&format!(
                "/v1/log/proof/inclusion?index={index}&size={size}"
            ));
            merkle::verify_inclusion(
                index,
                size,
                &merkle::leaf_hash(&entries[index as usize]),
                &proof,
                &root_n,
            )
            .unwrap();
        }
        let proof = a.proof(&format!(
            "/v1/log/proof/consistency?from={size}&to={}",
            head.size
        ));
        merkle::verify_consistency(size, head.size, &proof, &root_n, &head.root).unwrap();
    }
    let n = head.size;
    for bad in [
        "/v1/log/entries?start=0&count=0".to_owned(),
        "/v1/log/entries?start=0&count=100001".to_owned(),
        format!("/v1/log/entries?start={}&count=1", n + 1),
        "/v1/log/entries?start=0".to_owned(),
        "/v1/log/entries?start=-1&count=5".to_owned(),
        "/v1/log/entries?start=x&count=5".to_owned(),
        "/v1/log/entries?start=0&count=5&extra=1".to_owned(),
        format!("/v1/log/proof/inclusion?index={n}&size={n}"),
        format!("/v1/log/proof/inclusion?index=0&size={}", n + 1),
        "/v1/log/proof/inclusion?index=0&size=0".to_owned(),
        "/v1/log/proof/inclusion?index=0".to_owned(),
        format!("/v1/log/proof/consistency?from=0&to={n}"),
        format!("/v1/log/proof/consistency?from={n}&to={}", n - 1),
        format!("/v1/log/proof/consistency?from=1&to={}", n + 1),
        "/v1/log/proof/consistency?from=18446744073709551616&to=1".to_owned(),
    ] {
        let res = a.api.get(&bad).send().unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(res.headers()["content-type"], "application/json", "{bad}");
        let body: ErrorBody = res.json().unwrap();
        assert!(
            body.error == "bad_range" || body.error == "bad_request",
            "{bad}: {}",
            body.error
        );
        assert!(body.message.ends_with('.'), "{bad}: {}", body.message);
    }
    let m = expect_error(
        a.api
            .get(&format!("/v1/log/proof/inclusion?index={n}&size={n}"))
            .send()
            .unwrap(),
        400,
        "bad_range",
    )
    .message;
    assert!(m.contains(&format!("<= {n}")), "{m}");
}

/// A log whose rows were deleted behind the server's back cannot be served whole: the server
/// sends what precedes the gap and then breaks the body off, always after the status line,
/// so an auditor sees a failing log rather than a dead connection or a short, clean answer.
#[test]
fn a_damaged_log_breaks_off_the_entries_stream() {
    use diesel::{Connection, RunQueryDsl};
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let report = amanat_server::init_data_dir(&amanat_server::InitOptions {
        data_dir: dir.path().join("data"),
        root_key: B64.encode(RootKey::generate().public().as_bytes()),
        hostnames: vec![],
        database_url: None,
        listen: None,
    })
    .unwrap();
    let url = report.config.database_url.clone();
    let server = amanat_server::spawn(
        report.config.clone(),
        TcpListener::bind("127.0.0.1:0").unwrap(),
    )
    .unwrap();
    let store = amanat_server::store::Store::open(&url).unwrap();
    let entries: Vec<Vec<u8>> = (0..7u64)
        .map(|v| {
            Entry::KeyringPublished {
                version: v + 1,
                hash: [v as u8; 32],
                published_at: 0,
            }
            .encode()
        })
        .collect();
    let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
    store.append_entries(&refs, 0).unwrap();
    let mut raw = diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
    diesel::sql_query("DELETE FROM log_entries WHERE idx = 3")
        .execute(&mut raw)
        .unwrap();
    let client = common::pinned_client(&report.cert_sha256);
    let base = format!("https://{}", server.addr());
    let framed = |range: std::ops::Range<usize>| -> Vec<u8> {
        entries[range]
            .iter()
            .flat_map(|e| [(e.len() as u32).to_be_bytes().to_vec(), e.clone()].concat())
            .collect()
    };
    for _ in 0..30 {
        for (start, count, served) in [(0, 7, 0..3), (3, 2, 3..3), (2, 5, 2..3)] {
            let mut res = client
                .get(format!("{base}/v1/log/entries?start={start}&count={count}"))
                .send()
                .unwrap();
            assert_eq!(res.status(), 200);
            let mut body = Vec::new();
            assert!(
                res.read_to_end(&mut body).is_err(),
                "{start}+{count}: the body must break off"
            );
            assert_eq!(body, framed(served), "{start}+{count}");
        }
        // Ranges clear of the gap are served whole.
        let res = client
            .get(format!("{base}/v1/log/entries?start=0&count=3"))
            .send()
            .unwrap();
        assert_eq!(res.bytes().unwrap().as_ref(), framed(0..3).as_slice());
    }
    server.stop();
}

#[test]
fn api_on_sqlite() {
    scenario(None);
}

/// Needs a PostgreSQL the test may create databases in, e.g.
/// `AMANAT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres`.
#[test]
fn api_on_postgres() {
    use diesel::{Connection, RunQueryDsl};
    let Ok(admin_url) = std::env::var("AMANAT_TEST_POSTGRES_URL") else {
        eprintln!("skipped: AMANAT_TEST_POSTGRES_URL is not set");
        return;
    };
    let name = format!("amanat_test_{}", rand_suffix());
    let mut admin = diesel::PgConnection::establish(&admin_url).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    let result = std::panic::catch_unwind(|| scenario(Some(format!("{base}/{name}"))));
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn rand_suffix() -> String {
    let id = CaseId::random().to_string();
    id.replace('-', "")[..12].to_owned()
}
