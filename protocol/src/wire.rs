//! The HTTP API's JSON bodies, shared by server and client so they cannot drift apart.
//! Routes and their semantics are documented in `docs/protocol.md`; every error is an
//! [`ErrorBody`] with a 4xx or 5xx status.

use serde::{Deserialize, Serialize};

use crate::encoding::{serde_b64, serde_b64_32, serde_hex_32};
use crate::ids::{CaseId, DocumentId, StaffId};
use crate::keyring::Role;

/// API version prefix of every route.
pub const API: &str = "/v1";

/// What kind of document a ciphertext is. The server sees this, and nothing else about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    AppealForm,
    PowerOfAttorney,
    Attachment,
    Reply,
    Note,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 5] = [
        DocumentKind::AppealForm,
        DocumentKind::PowerOfAttorney,
        DocumentKind::Attachment,
        DocumentKind::Reply,
        DocumentKind::Note,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            DocumentKind::AppealForm => "appeal-form",
            DocumentKind::PowerOfAttorney => "power-of-attorney",
            DocumentKind::Attachment => "attachment",
            DocumentKind::Reply => "reply",
            DocumentKind::Note => "note",
        }
    }

    /// Kinds a complainant may upload into their own case.
    pub fn complainant_may_upload(&self) -> bool {
        matches!(
            self,
            DocumentKind::AppealForm | DocumentKind::PowerOfAttorney | DocumentKind::Attachment
        )
    }
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DocumentKind {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, crate::Error> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| crate::Error::Malformed {
                what: "document kind",
                reason: "use appeal-form, power-of-attorney, attachment, reply or note".into(),
            })
    }
}

/// Where a case stands in the foundation's work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseStatus {
    New,
    InReview,
    NeedsInfo,
    Complete,
    Included,
    Rejected,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 7] = [
        CaseStatus::New,
        CaseStatus::InReview,
        CaseStatus::NeedsInfo,
        CaseStatus::Complete,
        CaseStatus::Included,
        CaseStatus::Rejected,
        CaseStatus::Closed,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::InReview => "in-review",
            CaseStatus::NeedsInfo => "needs-info",
            CaseStatus::Complete => "complete",
            CaseStatus::Included => "included",
            CaseStatus::Rejected => "rejected",
            CaseStatus::Closed => "closed",
        }
    }
}

impl std::fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CaseStatus {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, crate::Error> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| crate::Error::Malformed {
                what: "case status",
                reason: "use new, in-review, needs-info, complete, included, rejected or closed"
                    .into(),
            })
    }
}

/// Every error response: a stable machine code and a sentence for a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

/// `POST /v1/cases`: open a case. The client chose the id and derived `auth_key` from the
/// codename; `grants` wrap the case identity to every reviewer of `keyring_version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    pub case_id: CaseId,
    #[serde(with = "serde_b64_32")]
    pub auth_key: [u8; 32],
    /// The case's pseudonym in the transparency log (`log::entry::case_commitment`).
    #[serde(with = "serde_b64_32")]
    pub commitment: [u8; 32],
    pub keyring_version: u64,
    pub grants: Vec<GrantUpload>,
}

/// One reviewer's copy of the case identity, age-encrypted to their recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantUpload {
    pub staff_id: StaffId,
    #[serde(with = "serde_b64")]
    pub ciphertext: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCreated {
    pub case_id: CaseId,
}

/// `GET /v1/pow?purpose=…`: which puzzle to issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PuzzleRequest {
    pub purpose: crate::pow::Purpose,
}

/// A proof-of-work puzzle (see [`crate::pow`]). `seed` is opaque to the client: the server
/// binds the purpose, the difficulty and the expiry into it and checks them when it comes
/// back in the `Amanat-PoW` header. Each puzzle is good for one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Puzzle {
    pub purpose: crate::pow::Purpose,
    #[serde(with = "serde_b64")]
    pub seed: Vec<u8>,
    /// Leading zero bits the hash must have; higher when the server is busy.
    pub bits: u8,
    /// Unix seconds; a solution sent later is refused.
    pub expires_at: i64,
}

/// `POST /v1/auth/challenge`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    #[serde(with = "serde_b64_32")]
    pub public_key: [u8; 32],
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    #[serde(with = "serde_b64_32")]
    pub challenge: [u8; 32],
    /// Unix seconds.
    pub expires_at: i64,
}

/// `POST /v1/auth/session`: the signed challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    #[serde(with = "serde_b64_32")]
    pub public_key: [u8; 32],
    #[serde(with = "serde_b64_32")]
    pub challenge: [u8; 32],
    #[serde(with = "serde_b64")]
    pub signature: Vec<u8>,
}

/// Who a session speaks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Principal {
    Case { case_id: CaseId },
    Staff { staff_id: StaffId, roles: Vec<Role> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Bearer token for `Authorization: Bearer …`. The server keeps only its hash.
    pub token: String,
    /// Unix seconds.
    pub expires_at: i64,
    pub principal: Principal,
}

/// Returned once a document's ciphertext is durably stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub document_id: DocumentId,
    pub kind: DocumentKind,
    /// SHA-256 of the ciphertext, hex.
    #[serde(with = "serde_hex_32")]
    pub sha256: [u8; 32],
    /// Ciphertext length in bytes (padded).
    pub length: u64,
    /// Unix seconds.
    pub received_at: i64,
    /// The C2SP tlog-proof receipt for this document's log entry, when just uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
}

/// One line of `GET /v1/cases`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub case_id: CaseId,
    pub status: CaseStatus,
    /// Optimistic-concurrency version of the case's mutable fields.
    pub version: i64,
    pub assignee: Option<StaffId>,
    pub documents: Vec<DocumentKind>,
    /// Unix seconds.
    pub received_at: i64,
}

/// `GET /v1/cases/{id}` for a reviewer: metadata plus the caller's own grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDetail {
    pub case_id: CaseId,
    pub status: CaseStatus,
    pub version: i64,
    pub assignee: Option<StaffId>,
    /// The caller's grant (the case identity encrypted to them).
    #[serde(with = "serde_b64")]
    pub grant: Vec<u8>,
    /// The commitment the complainant registered; reviewers recompute and compare it.
    #[serde(with = "serde_b64_32")]
    pub commitment: [u8; 32],
    pub documents: Vec<DocumentInfo>,
    pub received_at: i64,
}

/// `GET /v1/log/checkpoint`: the latest signed checkpoint (a C2SP signed note).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogCheckpoint {
    pub checkpoint: String,
}

/// `GET /v1/log/proof/inclusion` and `/v1/log/proof/consistency`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogProof {
    pub proof: Vec<B64Hash>,
}

/// A SHA-256 hash as base64 on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct B64Hash(#[serde(with = "serde_b64_32")] pub [u8; 32]);

/// A reviewer's verdict on a power of attorney, on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case", deny_unknown_fields)]
pub enum VerdictWire {
    Accepted,
    Rejected { reason: u16 },
}

/// `POST /v1/cases/{case}/acknowledgements`: the reviewer's signature over
/// `log::entry::Acknowledgement { case: commitment, document, sha256, verdict, reviewer, signed_at }`.
/// The server rebuilds that statement from what it stores and the caller's key, checks the
/// signature, and logs it.
// No `deny_unknown_fields` here: serde does not support it together with `flatten`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckRequest {
    pub document_id: DocumentId,
    #[serde(flatten)]
    pub verdict: VerdictWire,
    pub signed_at: i64,
    #[serde(with = "serde_b64")]
    pub signature: Vec<u8>,
}

/// The receipt for a logged acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckRecorded {
    pub receipt: String,
}

/// `POST /v1/web/manifest`: the receipt of the `05` entry that logged the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebManifestLogged {
    pub receipt: String,
}

/// `POST /v1/me/withdraw`: the complainant confirms which case to delete (their session's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {
    pub case_id: CaseId,
}

/// The answer: the receipt of the `07` entry that records the deletion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawn {
    pub receipt: String,
    /// How many documents (and their ciphertext) were deleted.
    pub documents: u64,
}

/// `POST /v1/root/handover`: the receipt of the `06` entry that logged the handover.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverLogged {
    pub receipt: String,
}

/// `GET /v1/root/handovers`: the foundation's root handovers, oldest first, from the root the
/// server was set up with. Clients check them (`handover::follow`); the server is not trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handovers {
    pub handovers: Vec<crate::handover::Handover>,
}

/// `GET /v1/me` for a complainant's session: their own case as they may see it — their
/// uploads and the foundation's replies, never the reviewers' notes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyCase {
    pub case_id: CaseId,
    pub status: CaseStatus,
    pub documents: Vec<DocumentInfo>,
}

/// `POST /v1/cases/{case}/status`: optimistic concurrency on the case's `version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    pub status: CaseStatus,
    /// The version the caller saw; a stale one gets `409 stale_version`.
    pub version: i64,
}

/// `POST /v1/cases/{case}/assignee`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetAssignee {
    /// `None` unassigns.
    pub assignee: Option<StaffId>,
    pub version: i64,
}

/// `POST /v1/cases/{case}/hold`: put a legal hold on the case (retention rules never delete
/// it while held) or lift it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetHold {
    pub hold: bool,
}

/// `PUT /v1/cases/{case}/grants/{staff}`: the case identity wrapped for another reviewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantPut {
    #[serde(with = "serde_b64")]
    pub ciphertext: Vec<u8>,
}

/// What staff did to a case; also recorded in the transparency log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaffActionKind {
    Open,
    Assign,
    Status,
    Note,
    Reply,
    Share,
    Acknowledge,
    /// A legal hold put on or lifted (the detail says which).
    Hold,
}

impl StaffActionKind {
    pub const ALL: [StaffActionKind; 8] = [
        StaffActionKind::Open,
        StaffActionKind::Assign,
        StaffActionKind::Status,
        StaffActionKind::Note,
        StaffActionKind::Reply,
        StaffActionKind::Share,
        StaffActionKind::Acknowledge,
        StaffActionKind::Hold,
    ];

    pub fn code(&self) -> u8 {
        match self {
            StaffActionKind::Open => 1,
            StaffActionKind::Assign => 2,
            StaffActionKind::Status => 3,
            StaffActionKind::Note => 4,
            StaffActionKind::Reply => 5,
            StaffActionKind::Share => 6,
            StaffActionKind::Acknowledge => 7,
            StaffActionKind::Hold => 8,
        }
    }

    pub fn from_code(c: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == c)
    }
}

/// One line of `GET /v1/cases/{case}/activity`: who did what, when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRecord {
    pub actor: StaffId,
    pub action: StaffActionKind,
    /// Unix seconds.
    pub at: i64,
    /// A short description for people ("status → in-review", "shared with bob").
    pub detail: String,
}

/// `POST /v1/cases/{case}/uploads`: start a resumable upload (tus-like). The client knows
/// the exact ciphertext length before sending a byte (the age header is written first and the
/// payload length follows from the padded plaintext), so limits are checked up front.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUpload {
    pub document_id: DocumentId,
    pub kind: DocumentKind,
    /// Total ciphertext length in bytes.
    pub length: u64,
}

/// The state of a resumable upload (`POST …/uploads`, `GET /v1/uploads/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    /// Random, unguessable; bound to the case that created it.
    pub upload_id: String,
    pub document_id: DocumentId,
    pub kind: DocumentKind,
    pub length: u64,
    /// Bytes the server has durably written; the next chunk must start here.
    pub offset: u64,
    /// Unix seconds after which an unfinished upload is collected.
    pub expires_at: i64,
}

/// `POST /v1/uploads/{id}/finish`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinishUpload {
    #[serde(with = "serde_hex_32")]
    pub sha256: [u8; 32],
}

/// Header carrying a chunk's starting offset on `PATCH /v1/uploads/{id}` (and the new
/// offset in its answer), as in tus.
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";
/// The largest chunk one `PATCH` may carry.
pub const MAX_CHUNK: u64 = 16 * 1024 * 1024;

/// A chunk request's `Upload-Offset` or `Content-Length` value: plain decimal digits, nothing
/// else (no sign, no spaces, no `+`, no hex), and no larger than `u64::MAX`.
pub fn parse_header_number(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    value.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// An upload id as servers issue them: 32 lowercase hex digits (128 random bits).
pub fn valid_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `GET /v1/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub keyring_version: Option<u64>,
}

/// `POST /v1/keyring` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyringAccepted {
    pub version: u64,
}

#[cfg(test)]
mod tests {

    #[test]
    fn header_numbers_are_plain_decimal() {
        use super::parse_header_number as p;
        assert_eq!(p(b"0"), Some(0));
        assert_eq!(p(b"00042"), Some(42));
        assert_eq!(p(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"18446744073709551616",
            b"-1",
            b"+1",
            b" 1",
            b"1 ",
            b"0x10",
            b"1e3",
            "١".as_bytes(),
        ] {
            assert_eq!(p(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn upload_ids_are_lowercase_hex() {
        assert!(super::valid_upload_id(&"0a".repeat(16)));
        assert!(!super::valid_upload_id(&"0A".repeat(16)));
        assert!(!super::valid_upload_id(&"0a".repeat(15)));
        assert!(!super::valid_upload_id("../../../../etc/passwd/........"));
    }

    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip_as_strings() {
        for k in DocumentKind::ALL {
            assert_eq!(k.as_str().parse::<DocumentKind>().unwrap(), k);
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        for s in CaseStatus::ALL {
            assert_eq!(s.as_str().parse::<CaseStatus>().unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert!("letter".parse::<DocumentKind>().is_err());
    }

    #[test]
    fn ack_requests_round_trip() {
        for verdict in [VerdictWire::Accepted, VerdictWire::Rejected { reason: 3 }] {
            let a = AckRequest {
                document_id: DocumentId::random(),
                verdict,
                signed_at: 1_795_000_000,
                signature: vec![7; 64],
            };
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(serde_json::from_str::<AckRequest>(&json).unwrap(), a);
        }
    }

    #[test]
    fn create_case_refuses_unknown_fields() {
        let body = r#"{"case_id":"0b6e3c1a-1111-4111-8111-111111111111","auth_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","keyring_version":1,"grants":[],"name":"x"}"#;
        assert!(serde_json::from_str::<CreateCase>(body).is_err());
    }
}
