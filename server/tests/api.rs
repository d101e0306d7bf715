//! The HTTP API of docs/protocol.md, driven in-process through `amanat_server::spawn` with
//! real keys, real age files and a pinned TLS client: the happy path a complainant and a
//! reviewer take, and what an attacker or a confused client can try against each route.
//! Runs on SQLite; also on PostgreSQL when AMANAT_TEST_POSTGRES_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;

use amanat_protocol::codename::CaseKeys;
use amanat_protocol::keyring::{Keyring, Role, RootKey, SignedKeyring, StaffMember};
use amanat_protocol::keys::StaffKeys;
use amanat_protocol::wire::{
    CaseDetail, CaseSummary, Challenge, CreateCase, DocumentInfo, DocumentKind, ErrorBody,
    GrantUpload, Principal, Session,
};
use amanat_protocol::{CaseId, DocumentId, auth, envelope, grant};
use base64::Engine;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{Value, json};

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

struct Api {
    client: Client,
    base: String,
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }
    fn post(&self, path: &str, body: &impl serde::Serialize) -> Response {
        self.client.post(self.url(path)).json(body).send().unwrap()
    }
}

/// Asserts an error response's status and code, and that it has the one error shape.
#[track_caller]
fn expect_error(res: Response, status: u16, code: &str) -> ErrorBody {
    assert_eq!(res.status().as_u16(), status, "expected {status} {code}");
    assert_eq!(res.headers()["content-type"], "application/json");
    let body: ErrorBody = res.json().unwrap();
    assert_eq!(body.error, code, "{}", body.message);
    assert!(!body.message.is_empty());
    body
}

fn member(keys: &StaffKeys, roles: &[Role]) -> StaffMember {
    StaffMember {
        public: keys.public(),
        roles: roles.iter().copied().collect(),
    }
}

fn signed_ring(root: &RootKey, version: u64, staff: Vec<StaffMember>) -> SignedKeyring {
    root.sign(&Keyring {
        version,
        staff,
        ..Keyring::genesis()
    })
    .unwrap()
}

fn sign_in(api: &Api, key: &ed25519_dalek::SigningKey) -> Response {
    use ed25519_dalek::Signer;
    let public = key.verifying_key().to_bytes();
    let c: Challenge = api
        .post(
            "/v1/auth/challenge",
            &json!({"public_key": B64.encode(public)}),
        )
        .json()
        .unwrap();
    let sig = key.sign(&auth::message(&c.challenge)).to_bytes();
    api.post(
        "/v1/auth/session",
        &json!({"public_key": B64.encode(public), "challenge": B64.encode(c.challenge),
                "signature": B64.encode(sig)}),
    )
}

fn token(api: &Api, key: &ed25519_dalek::SigningKey) -> String {
    let res = sign_in(api, key);
    assert_eq!(res.status(), 200);
    res.json::<Session>().unwrap().token
}

fn seal(keys: &CaseKeys, kind: DocumentKind, content: &[u8]) -> Vec<u8> {
    let meta = envelope::DocumentMeta {
        kind,
        name: Some("form.json".into()),
        media_type: "application/json".into(),
        length: content.len() as u64,
    };
    envelope::seal(&keys.recipient(), &meta, content, Vec::new()).unwrap()
}

fn put_doc(
    api: &Api,
    token: &str,
    case: &CaseId,
    doc: &DocumentId,
    kind: &str,
    body: Vec<u8>,
) -> Response {
    api.client
        .put(api.url(&format!("/v1/cases/{case}/documents/{doc}?kind={kind}")))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .unwrap()
}

fn tmp_files(blob_dir: &std::path::Path) -> usize {
    std::fs::read_dir(blob_dir.join("tmp")).unwrap().count()
}

fn scenario(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let root = RootKey::generate();
    let report = amanat_server::init_data_dir(&amanat_server::InitOptions {
        data_dir: dir.path().join("data"),
        root_key: B64.encode(root.public().as_bytes()),
        hostnames: vec![],
        database_url,
        listen: None,
    })
    .unwrap();
    let mut config = report.config.clone();
    config.max_document_bytes = 1024 * 1024;
    let blob_dir = config.blob_dir.clone();
    let server = amanat_server::spawn(config, TcpListener::bind("127.0.0.1:0").unwrap()).unwrap();
    let api = Api {
        client: common::pinned_client(&report.cert_sha256),
        base: format!("https://{}", server.addr()),
    };

    // --- before any keyring ---
    let health: Value = api.get("/v1/health").send().unwrap().json().unwrap();
    assert_eq!(health, json!({"status": "ok", "keyring_version": null}));
    expect_error(api.get("/v1/keyring").send().unwrap(), 404, "no_keyring");
    let case_keys = CaseKeys::random().unwrap();
    let early = CreateCase {
        case_id: CaseId::random(),
        auth_key: case_keys.auth_public(),
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
    let create = CreateCase {
        case_id,
        auth_key: case_keys.auth_public(),
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
        ..create.clone()
    };
    expect_error(api.post("/v1/cases", &same_key), 409, "conflict");

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
    // A retry of the same bytes is fine; other bytes under the same id are not.
    let res = put_doc(
        &api,
        &complainant,
        &case_id,
        &doc_id,
        "appeal-form",
        form.clone(),
    );
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<DocumentInfo>().unwrap(), info);
    let other = seal(&case_keys, DocumentKind::AppealForm, b"other");
    expect_error(
        put_doc(&api, &complainant, &case_id, &doc_id, "appeal-form", other),
        409,
        "conflict",
    );
    let attachment = seal(&case_keys, DocumentKind::Attachment, &vec![7u8; 300_000]);
    let res = put_doc(
        &api,
        &complainant,
        &case_id,
        &DocumentId::random(),
        "attachment",
        attachment,
    );
    assert_eq!(res.status(), 201);

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
    expect_error(
        put_doc(
            &api,
            &reviewer,
            &case_id,
            &fresh,
            "appeal-form",
            form.clone(),
        ),
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
        vec![DocumentKind::AppealForm, DocumentKind::Attachment]
    );
    let detail: CaseDetail = api
        .get(&format!("/v1/cases/{case_id}"))
        .bearer_auth(&reviewer)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(detail.documents.len(), 2);
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
