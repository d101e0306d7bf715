//! The HTTP client: one place that knows routes, TLS trust and error bodies.
//! The server certificate is trusted either by a pinned SHA-256 fingerprint or by the
//! system's roots; every request goes through rustls, optionally via a SOCKS5 proxy (Tor).

use std::io::Read;
use std::time::Duration;

use amanat_protocol::encoding::from_hex;
use amanat_protocol::handover::Handover;
use amanat_protocol::ids::{CaseId, DocumentId, StaffId};
use amanat_protocol::keyring::{Fingerprint, KeyringPin, SignedKeyring};
use amanat_protocol::pow::{self, Purpose, Solution};
use amanat_protocol::tls_pin::PinnedCert;
use amanat_protocol::wire::{
    AckRecorded, AckRequest, ActivityRecord, CaseCreated, CaseDetail, CaseSummary, Challenge,
    ChallengeRequest, CreateCase, DocumentInfo, DocumentKind, ErrorBody, GrantPut, KeyringAccepted,
    LogCheckpoint, LogProof, MyCase, Puzzle, Session, SessionRequest, SetAssignee, SetStatus,
};
use amanat_protocol::wire::{CreateUpload, FinishUpload, UPLOAD_OFFSET_HEADER, UploadState};
use reqwest::blocking::{Client, RequestBuilder, Response};

use crate::error::Error;

/// How to reach a server.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// `https://host:port`, no trailing slash.
    pub url: String,
    /// SHA-256 of the server's certificate (DER), if pinned.
    pub cert_sha256: Option<[u8; 32]>,
    /// `socks5h://127.0.0.1:9050` for Tor.
    pub proxy: Option<String>,
}

impl Endpoint {
    pub fn new(url: &str, cert: Option<&str>, proxy: Option<&str>) -> Result<Self, Error> {
        let url = url.trim_end_matches('/').to_owned();
        if !url.starts_with("https://") {
            return Err(Error::new(format!("the server address {url:?} is not https://"))
                .hint("Amanat only talks TLS. Use the address printed by `amanat-server serve`, e.g. https://127.0.0.1:8443"));
        }
        let cert_sha256 = cert
            .map(|c| {
                from_hex::<32>("certificate fingerprint", &c.replace(':', "")).map_err(|_| {
                    Error::new("--server-cert must be 64 hex digits")
                        .hint("use the `certificate sha256:` line printed by `amanat-server init`")
                })
            })
            .transpose()?;
        Ok(Self {
            url,
            cert_sha256,
            proxy: proxy.map(str::to_owned),
        })
    }
}

/// An error the server answered with.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

pub struct Api {
    endpoint: Endpoint,
    http: Client,
    token: Option<String>,
}

impl Api {
    pub fn connect(endpoint: &Endpoint) -> Result<Self, Error> {
        let mut builder = Client::builder()
            .connect_timeout(Duration::from_secs(60))
            .timeout(None::<Duration>)
            .user_agent("amanat")
            .https_only(true)
            .no_proxy();
        if let Some(pin) = endpoint.cert_sha256 {
            let tls = PinnedCert::new(pin)
                .client_config()
                .map_err(|e| Error::new(format!("TLS setup failed: {e}")))?;
            builder = builder.tls_backend_preconfigured(tls);
        } else {
            // System roots via rustls-platform-verifier; it needs a process-wide provider.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        if let Some(proxy) = &endpoint.proxy {
            let p = reqwest::Proxy::all(proxy).map_err(|e| {
                Error::new(format!("bad --proxy {proxy:?}: {e}"))
                    .hint("for Tor use --proxy socks5h://127.0.0.1:9050")
            })?;
            builder = builder.proxy(p);
        }
        let http = builder
            .build()
            .map_err(|e| Error::new(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Self {
            endpoint: endpoint.clone(),
            http,
            token: None,
        })
    }

    pub fn set_token(&mut self, token: String) {
        self.token = Some(token);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.endpoint.url, path)
    }

    fn auth(&self, rb: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    fn send(&self, rb: RequestBuilder) -> Result<Response, Failure> {
        let req = self
            .auth(rb)
            .build()
            .map_err(|e| Failure::Transport(describe(&e)))?;
        // A read sent on a kept-alive connection the server (or the instance behind a
        // balancer) has just dropped never reached it: try it once more on a new connection.
        // Only reads: anything else may have been done before the connection died.
        let again = matches!(*req.method(), reqwest::Method::GET | reqwest::Method::HEAD)
            .then(|| req.try_clone())
            .flatten();
        let resp = match (self.http.execute(req), again) {
            (Ok(r), _) => r,
            (Err(e), Some(again)) if e.is_connect() || e.is_request() => {
                self.http
                    .execute(again)
                    .map_err(|e| Failure::Transport(describe(&e)))?
            }
            (Err(e), _) => return Err(Failure::Transport(describe(&e))),
        };
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let body: Option<ErrorBody> = resp.json().ok();
        Err(Failure::Api(match body {
            Some(b) => ApiError {
                status,
                code: b.error,
                message: b.message,
            },
            None => ApiError {
                status,
                code: "http".into(),
                message: format!("the server answered HTTP {status} without an explanation"),
            },
        }))
    }

    fn json<T: serde::de::DeserializeOwned>(&self, rb: RequestBuilder) -> Result<T, Failure> {
        self.send(rb.timeout(Duration::from_secs(120)))?
            .json()
            .map_err(|e| Failure::Transport(format!("unexpected answer from the server: {e}")))
    }

    pub fn keyring(&self) -> Result<SignedKeyring, Failure> {
        self.json(self.http.get(self.url("/v1/keyring")))
    }

    /// The current keyring, accepted by `pin`. When a root other than the pin's signed it,
    /// the root's handovers are fetched and followed (each checked here): the pin then holds
    /// the root in force. A keyring signed by a root no checked handover leads to is refused.
    pub fn verified_keyring(
        &self,
        pin: &mut KeyringPin,
    ) -> Result<amanat_protocol::keyring::VerifiedKeyring, Error> {
        let signed = self.keyring()?;
        let pinned = ed25519_dalek::VerifyingKey::from_bytes(&signed.root_key)
            .map(|k| Fingerprint::of(&k) == *pin.root())
            .unwrap_or(false);
        if pinned {
            return Ok(pin.accept(&signed)?);
        }
        let chain = self.root_handovers()?;
        // An unknown root keeps the library's usual warning ("Do not send anything; …"):
        // no handover the server lists leads from the pinned root to the one that signed.
        Ok(pin.accept_following(&signed, &chain)?)
    }

    /// The root's handovers, oldest first, as the server lists them (unchecked).
    pub fn root_handovers(&self) -> Result<Vec<Handover>, Failure> {
        self.json::<amanat_protocol::wire::Handovers>(self.http.get(self.url("/v1/root/handovers")))
            .map(|h| h.handovers)
    }

    pub fn publish_handover(
        &self,
        h: &Handover,
    ) -> Result<amanat_protocol::wire::HandoverLogged, Failure> {
        self.json(self.http.post(self.url("/v1/root/handover")).json(h))
    }

    pub fn publish_keyring(&self, k: &SignedKeyring) -> Result<KeyringAccepted, Failure> {
        self.json(self.http.post(self.url("/v1/keyring")).json(k))
    }

    pub fn publish_web_manifest(
        &self,
        sig: &amanat_protocol::web::ManifestSignature,
    ) -> Result<amanat_protocol::wire::WebManifestLogged, Failure> {
        self.json(self.http.post(self.url("/v1/web/manifest")).json(sig))
    }

    /// A file of the submission page, byte for byte as served (`/` is `index.html`). At most
    /// `limit` bytes are read, so a hostile server cannot fill memory.
    pub fn page_file(&self, path: &str, limit: u64) -> Result<Vec<u8>, Failure> {
        self.get_bytes(path, limit)
    }

    /// `GET path` (below the server's address, e.g. `/tile/0/000`), reading at most `limit`
    /// bytes of the body.
    pub fn get_bytes(&self, path: &str, limit: u64) -> Result<Vec<u8>, Failure> {
        use std::io::Read;
        let resp = self.send(
            self.http
                .get(self.url(path))
                .timeout(Duration::from_secs(120)),
        )?;
        let mut out = Vec::new();
        resp.take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| Failure::Transport(format!("reading {path}: {e}")))?;
        if out.len() as u64 > limit {
            return Err(Failure::Transport(format!(
                "{path} is larger than {limit} bytes"
            )));
        }
        Ok(out)
    }

    pub fn create_case(&self, c: &CreateCase) -> Result<CaseCreated, Failure> {
        self.with_pow(Purpose::CreateCase, || {
            self.http.post(self.url("/v1/cases")).json(c)
        })
    }

    /// Fetches a puzzle for `purpose` and solves it (milliseconds at the usual difficulty,
    /// longer when the server is busy): the `Amanat-PoW` header value.
    fn solve_puzzle(&self, purpose: Purpose) -> Result<String, Failure> {
        let url = self.url(&format!("/v1/pow?purpose={}", purpose.as_str()));
        let p: Puzzle = self.json(self.http.get(url))?;
        if p.purpose != purpose {
            return Err(Failure::Transport(
                "the server answered with a puzzle for another purpose".into(),
            ));
        }
        // Refuses more than pow::MAX_BITS, so a hostile server cannot keep us busy for ever.
        let nonce = pow::solve(&p.seed, p.bits, purpose)
            .map_err(|e| Failure::Transport(format!("the server's puzzle is unreasonable: {e}")))?;
        Ok(Solution {
            seed: p.seed,
            nonce,
        }
        .to_header())
    }

    /// Sends a request that must carry a solved puzzle. A puzzle that expired while it was
    /// being solved (`bad_pow`) is replaced once.
    fn with_pow<T: serde::de::DeserializeOwned>(
        &self,
        purpose: Purpose,
        request: impl Fn() -> RequestBuilder,
    ) -> Result<T, Failure> {
        let mut tries = 0;
        loop {
            let header = self.solve_puzzle(purpose)?;
            match self.json(request().header(pow::HEADER, header)) {
                Err(f) if f.code() == Some("bad_pow") && tries == 0 => tries += 1,
                other => return other,
            }
        }
    }

    /// Challenge–response login with any Ed25519 key; stores the token.
    pub fn login(&mut self, key: &ed25519_dalek::SigningKey) -> Result<Session, Failure> {
        use ed25519_dalek::Signer;
        let public_key = key.verifying_key().to_bytes();
        let ch: Challenge = self.with_pow(Purpose::Auth, || {
            self.http
                .post(self.url("/v1/auth/challenge"))
                .json(&ChallengeRequest { public_key })
        })?;
        let signature = key
            .sign(&amanat_protocol::auth::message(&ch.challenge))
            .to_bytes()
            .to_vec();
        let session: Session = self.json(self.http.post(self.url("/v1/auth/session")).json(
            &SessionRequest {
                public_key,
                challenge: ch.challenge,
                signature,
            },
        ))?;
        self.token = Some(session.token.clone());
        Ok(session)
    }

    pub fn logout(&mut self) -> Result<(), Failure> {
        self.send(self.http.delete(self.url("/v1/auth/session")))?;
        self.token = None;
        Ok(())
    }

    /// Streams `body` (an age file) as a document of `case`.
    pub fn put_document(
        &self,
        case: CaseId,
        doc: DocumentId,
        kind: DocumentKind,
        body: impl Read + Send + 'static,
    ) -> Result<DocumentInfo, Failure> {
        let rb = self
            .http
            .put(self.url(&format!("/v1/cases/{case}/documents/{doc}?kind={kind}")))
            .header("content-type", "application/octet-stream")
            .body(reqwest::blocking::Body::new(body));
        self.send(rb)?
            .json()
            .map_err(|e| Failure::Transport(format!("unexpected answer from the server: {e}")))
    }

    /// `POST /v1/cases/{case}/uploads`: starts (or, retried, finds) a resumable upload.
    pub fn create_upload(&self, case: CaseId, req: &CreateUpload) -> Result<UploadState, Failure> {
        self.json(
            self.http
                .post(self.url(&format!("/v1/cases/{case}/uploads")))
                .json(req),
        )
    }

    /// `GET /v1/uploads/{id}`: how much of the upload the server has.
    pub fn upload_state(&self, id: &str) -> Result<UploadState, Failure> {
        self.json(self.http.get(self.url(&format!("/v1/uploads/{id}"))))
    }

    /// `PATCH /v1/uploads/{id}`: appends `chunk` at `offset`; returns the server's new offset.
    pub fn patch_upload(
        &self,
        id: &str,
        offset: u64,
        chunk: bytes::Bytes,
        timeout: Duration,
    ) -> Result<u64, Failure> {
        let rb = self
            .http
            .patch(self.url(&format!("/v1/uploads/{id}")))
            .header("content-type", "application/offset+octet-stream")
            .header(UPLOAD_OFFSET_HEADER, offset.to_string())
            .timeout(timeout)
            .body(chunk);
        let resp = self.send(rb)?;
        resp.headers()
            .get(UPLOAD_OFFSET_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| Failure::Transport("the server did not say how much it has".into()))
    }

    /// `POST /v1/uploads/{id}/finish`: the document, with its receipt.
    pub fn finish_upload(&self, id: &str, sha256: [u8; 32]) -> Result<DocumentInfo, Failure> {
        self.json(
            self.http
                .post(self.url(&format!("/v1/uploads/{id}/finish")))
                .json(&FinishUpload { sha256 }),
        )
    }

    /// `DELETE /v1/uploads/{id}`.
    pub fn delete_upload(&self, id: &str) -> Result<(), Failure> {
        self.send(self.http.delete(self.url(&format!("/v1/uploads/{id}"))))
            .map(|_| ())
    }

    pub fn keyring_version(&self, version: u64) -> Result<SignedKeyring, Failure> {
        self.json(self.http.get(self.url(&format!("/v1/keyring/{version}"))))
    }

    pub fn log_checkpoint(&self) -> Result<LogCheckpoint, Failure> {
        self.json(self.http.get(self.url("/v1/log/checkpoint")))
    }

    pub fn log_checkpoint_text(&self) -> Result<String, Failure> {
        self.log_checkpoint().map(|c| c.checkpoint)
    }

    pub fn log_consistency(&self, from: u64, to: u64) -> Result<Vec<[u8; 32]>, Failure> {
        let p: LogProof = self.json(
            self.http
                .get(self.url(&format!("/v1/log/proof/consistency?from={from}&to={to}"))),
        )?;
        Ok(p.proof.into_iter().map(|h| h.0).collect())
    }

    /// `count` entries from `start`, as the server streams them.
    pub fn log_entries(&self, start: u64, count: u64) -> Result<Response, Failure> {
        self.send(
            self.http
                .get(self.url(&format!("/v1/log/entries?start={start}&count={count}"))),
        )
    }

    pub fn acknowledge(&self, case: CaseId, ack: &AckRequest) -> Result<AckRecorded, Failure> {
        self.json(
            self.http
                .post(self.url(&format!("/v1/cases/{case}/acknowledgements")))
                .json(ack),
        )
    }

    /// A complainant's own case.
    pub fn me(&self) -> Result<MyCase, Failure> {
        self.json(self.http.get(self.url("/v1/me")))
    }

    /// Deletes the signed-in complainant's case (`case` must be it).
    pub fn withdraw(&self, case: CaseId) -> Result<amanat_protocol::wire::Withdrawn, Failure> {
        self.json(
            self.http
                .post(self.url("/v1/me/withdraw"))
                .json(&amanat_protocol::wire::Withdraw { case_id: case }),
        )
    }

    pub fn set_status(&self, case: CaseId, body: &SetStatus) -> Result<CaseSummary, Failure> {
        self.json(
            self.http
                .post(self.url(&format!("/v1/cases/{case}/status")))
                .json(body),
        )
    }

    pub fn set_hold(
        &self,
        case: CaseId,
        body: &amanat_protocol::wire::SetHold,
    ) -> Result<amanat_protocol::wire::SetHold, Failure> {
        self.json(
            self.http
                .post(self.url(&format!("/v1/cases/{case}/hold")))
                .json(body),
        )
    }

    pub fn set_assignee(&self, case: CaseId, body: &SetAssignee) -> Result<CaseSummary, Failure> {
        self.json(
            self.http
                .post(self.url(&format!("/v1/cases/{case}/assignee")))
                .json(body),
        )
    }

    pub fn put_grant(&self, case: CaseId, staff: &StaffId, body: &GrantPut) -> Result<(), Failure> {
        self.send(
            self.http
                .put(self.url(&format!("/v1/cases/{case}/grants/{staff}")))
                .json(body)
                .timeout(Duration::from_secs(120)),
        )
        .map(|_| ())
    }

    pub fn activity(&self, case: CaseId) -> Result<Vec<ActivityRecord>, Failure> {
        self.json(
            self.http
                .get(self.url(&format!("/v1/cases/{case}/activity"))),
        )
    }

    pub fn cases(&self) -> Result<Vec<CaseSummary>, Failure> {
        self.json(self.http.get(self.url("/v1/cases")))
    }

    pub fn case(&self, case: CaseId) -> Result<CaseDetail, Failure> {
        self.json(self.http.get(self.url(&format!("/v1/cases/{case}"))))
    }

    /// The document's ciphertext as a stream.
    pub fn document(&self, case: CaseId, doc: DocumentId) -> Result<Response, Failure> {
        self.send(
            self.http
                .get(self.url(&format!("/v1/cases/{case}/documents/{doc}"))),
        )
    }
}

/// A failed call: either the server said no, or we could not talk to it.
#[derive(Debug)]
pub enum Failure {
    Api(ApiError),
    Transport(String),
}

impl Failure {
    pub fn code(&self) -> Option<&str> {
        match self {
            Failure::Api(e) => Some(&e.code),
            Failure::Transport(_) => None,
        }
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Api(e) => {
                let hint = match e.code.as_str() {
                    "unauthorized" => Some("your session may have expired: run `amanat staff login` again"),
                    "no_keyring" => Some("the foundation has not published a keyring yet: `amanat admin keyring publish`"),
                    "too_large" => Some("the server's limit is set by its operator (max_document_bytes)"),
                    "overloaded" => Some("the server is busy; nothing was done, so simply try again in a minute"),
                    "pow_required" | "bad_pow" => Some("this program and the server disagree about the proof of work; check that both are up to date"),
                    _ => None,
                };
                let err = Error::new(format!("the server refused: {} ({}, HTTP {})", e.message, e.code, e.status));
                match hint {
                    Some(h) => err.hint(h),
                    None => err,
                }
            }
            Failure::Transport(msg) => Error::new(format!("could not reach the server: {msg}"))
                .hint("check the address, that the server is running, and --server-cert if you pinned one"),
        }
    }
}

fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}
