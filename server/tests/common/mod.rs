//! Helpers shared by the server's integration tests: a reqwest client that trusts exactly the
//! server's certificate, keys and keyrings, sign-in, sealed documents, and databases to run
//! a scenario on (SQLite always, PostgreSQL when AMANAT_TEST_POSTGRES_URL is set).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use amanat_protocol::codename::CaseKeys;
use amanat_protocol::keyring::{Keyring, Role, RootKey, SignedKeyring, StaffMember};
use amanat_protocol::keys::StaffKeys;
use amanat_protocol::pow::{self, Purpose, Solution};
use amanat_protocol::wire::{Challenge, DocumentKind, ErrorBody, Puzzle, Session};
use amanat_protocol::{CaseId, DocumentId, auth, envelope};
use amanat_server::tls::PinnedCert;
use base64::Engine;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::json;

/// A blocking client pinned to the certificate with this SHA-256 (hex).
pub fn pinned_client(cert_sha256: &str) -> reqwest::blocking::Client {
    let tls = PinnedCert::from_hex(cert_sha256)
        .unwrap()
        .client_config()
        .unwrap();
    reqwest::blocking::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

pub const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

pub struct Api {
    pub client: Client,
    pub base: String,
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }
    /// POSTs JSON; the two routes that need a proof of work get a solved puzzle.
    pub fn post(&self, path: &str, body: &impl serde::Serialize) -> Response {
        let mut rb = self.client.post(self.url(path)).json(body);
        if let Some(purpose) = pow_purpose(path) {
            rb = rb.header(pow::HEADER, solved(&self.client, &self.base, purpose));
        }
        rb.send().unwrap()
    }
}

/// The proof-of-work purpose a route needs, if any.
pub fn pow_purpose(path: &str) -> Option<Purpose> {
    match path {
        "/v1/cases" => Some(Purpose::CreateCase),
        "/v1/auth/challenge" => Some(Purpose::Auth),
        _ => None,
    }
}

/// Fetches a puzzle for `purpose` and solves it: the `Amanat-PoW` header value.
pub fn solved(client: &Client, base: &str, purpose: Purpose) -> String {
    let p: Puzzle = client
        .get(format!("{base}/v1/pow?purpose={}", purpose.as_str()))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(p.purpose, purpose);
    let nonce = pow::solve(&p.seed, p.bits, p.purpose).unwrap();
    Solution {
        seed: p.seed,
        nonce,
    }
    .to_header()
}

/// Servers in these tests ask for little work: the protocol is the same, the tests stay fast.
pub const TEST_POW_BITS: u8 = 8;

/// Asserts an error response's status and code, and that it has the one error shape.
#[track_caller]
pub fn expect_error(res: Response, status: u16, code: &str) -> ErrorBody {
    assert_eq!(res.status().as_u16(), status, "expected {status} {code}");
    assert_eq!(res.headers()["content-type"], "application/json");
    let body: ErrorBody = res.json().unwrap();
    assert_eq!(body.error, code, "{}", body.message);
    assert!(!body.message.is_empty());
    body
}

pub fn member(keys: &StaffKeys, roles: &[Role]) -> StaffMember {
    StaffMember {
        public: keys.public(),
        roles: roles.iter().copied().collect(),
    }
}

pub fn signed_ring(root: &RootKey, version: u64, staff: Vec<StaffMember>) -> SignedKeyring {
    root.sign(&Keyring {
        version,
        staff,
        ..Keyring::genesis()
    })
    .unwrap()
}

pub fn sign_in(api: &Api, key: &ed25519_dalek::SigningKey) -> Response {
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

pub fn token(api: &Api, key: &ed25519_dalek::SigningKey) -> String {
    let res = sign_in(api, key);
    assert_eq!(res.status(), 200);
    res.json::<Session>().unwrap().token
}

pub fn seal(keys: &CaseKeys, kind: DocumentKind, content: &[u8]) -> Vec<u8> {
    let meta = envelope::DocumentMeta {
        kind,
        name: Some("form.json".into()),
        media_type: "application/json".into(),
        length: content.len() as u64,
    };
    envelope::seal(&keys.recipient(), &meta, content, Vec::new()).unwrap()
}

pub fn put_doc(
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

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A fresh PostgreSQL database for one test, dropped (with its connections) at the end;
/// `None` when AMANAT_TEST_POSTGRES_URL is not set.
pub struct PgDatabase {
    admin: String,
    name: String,
}

impl PgDatabase {
    pub fn create(prefix: &str) -> Option<PgDatabase> {
        use diesel::{Connection, RunQueryDsl};
        let Ok(admin) = std::env::var("AMANAT_TEST_POSTGRES_URL") else {
            eprintln!("skipped: AMANAT_TEST_POSTGRES_URL is not set");
            return None;
        };
        let name = format!(
            "{prefix}_{}",
            &CaseId::random().to_string().replace('-', "")[..12]
        );
        let mut c = diesel::PgConnection::establish(&admin).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut c)
            .unwrap();
        Some(PgDatabase { admin, name })
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.admin.rsplit_once('/').unwrap().0, self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut c) = diesel::PgConnection::establish(&self.admin) {
            let _ = diesel::sql_query(format!("DROP DATABASE {} WITH (FORCE)", self.name))
                .execute(&mut c);
        }
    }
}
