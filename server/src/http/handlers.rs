//! One function per route: translate HTTP into a service call and back. Blocking work runs on
//! actix's blocking pool; uploads and downloads stream in bounded pieces and are never held
//! in memory whole.

use std::future::Future;
use std::io;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use amanat_protocol::DocumentId;
use amanat_protocol::keyring::SignedKeyring;
use amanat_protocol::pow::Purpose;
use amanat_protocol::wire::{
    AckRequest, CaseCreated, ChallengeRequest, CreateCase, DocumentKind, GrantPut, KeyringAccepted,
    SessionRequest, SetAssignee, SetStatus, VerdictWire,
};
use futures_util::StreamExt;
use serde::Deserialize;

use super::error::{ApiError, blocking};
use super::extractors::{DocumentPath, StaffPath, require_content_type};
use super::limits::require_pow;
use crate::blobs::{TmpBlob, read_chunk};
use crate::service::log::ENTRIES_PER_QUERY;
use crate::service::{AnySession, CaseAccess, CaseSession, GrantedReviewer, Reviewer, Services};

type Svc = web::Data<Services>;

/// Disk writes are batched to this size: large enough that the blocking-pool round trip
/// costs nothing, small enough that memory per upload stays bounded.
const WRITE_BATCH: usize = 1024 * 1024;
/// 64 KiB reads stream well (pitfalls.md #8).
const READ_CHUNK: usize = 64 * 1024;

pub async fn health(svc: Svc) -> Result<HttpResponse, ApiError> {
    let h = blocking(move || svc.health()).await?;
    Ok(HttpResponse::Ok().json(h))
}

pub async fn get_keyring(svc: Svc) -> Result<HttpResponse, ApiError> {
    match blocking(move || svc.keyring()).await {
        Ok(k) => Ok(HttpResponse::Ok().json(k)),
        Err(e) if e.code() == "no_keyring" => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_keyring",
            "The foundation has not published a keyring yet.",
        )),
        Err(e) => Err(e),
    }
}

/// Parsed by hand rather than by `web::Json`, so a malformed keyring is `bad_keyring`.
pub async fn post_keyring(
    req: HttpRequest,
    body: Bytes,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    require_content_type(&req, "application/json")?;
    let signed: SignedKeyring = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_keyring",
            format!("The keyring is malformed: {e}."),
        )
    })?;
    let version = blocking(move || svc.publish_keyring(signed)).await?;
    Ok(HttpResponse::Ok().json(KeyringAccepted { version }))
}

/// The body is parsed first (malformed JSON stays `400`), then the proof of work is checked
/// and spent, and only then is the database touched.
pub async fn create_case(
    req: HttpRequest,
    body: web::Json<CreateCase>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let solved = require_pow(&req, &svc, Purpose::CreateCase)?;
    let case_id = blocking(move || {
        svc.spend_puzzle(&solved)?;
        svc.create_case(body.into_inner())
    })
    .await?;
    Ok(HttpResponse::Created().json(CaseCreated { case_id }))
}

/// Every sign-in starts here and each challenge works once, so every attempt costs a puzzle.
pub async fn challenge(
    req: HttpRequest,
    body: web::Json<ChallengeRequest>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let solved = require_pow(&req, &svc, Purpose::Auth)?;
    let c = blocking(move || {
        svc.spend_puzzle(&solved)?;
        svc.issue_challenge(&body.public_key)
    })
    .await?;
    Ok(HttpResponse::Ok().json(c))
}

pub async fn open_session(
    body: web::Json<SessionRequest>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let s = blocking(move || svc.open_session(&body)).await?;
    Ok(HttpResponse::Ok().json(s))
}

pub async fn close_session(who: AnySession, svc: Svc) -> Result<HttpResponse, ApiError> {
    blocking(move || svc.close_session(who.token_hash())).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn list_cases(who: Reviewer, svc: Svc) -> Result<HttpResponse, ApiError> {
    let cases = blocking(move || svc.list_cases(&who)).await?;
    Ok(HttpResponse::Ok().json(cases))
}

/// `GET /v1/cases/{case}`: recorded as the reviewer opening the case.
pub async fn case_detail(who: GrantedReviewer, svc: Svc) -> Result<HttpResponse, ApiError> {
    let detail = blocking(move || svc.case_detail(&who)).await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Streams a stored ciphertext out in 64 KiB reads, each on the blocking pool. Reviewers
/// with a grant read any document of the case; its complainant reads all but notes.
pub async fn download(
    who: CaseAccess,
    path: DocumentPath,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let DocumentPath(doc) = path;
    let (file, len) = blocking(move || svc.open_document(&who, &doc)).await?;
    let stream = futures_util::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let read = web::block(move || read_chunk(&mut file, READ_CHUNK).map(|c| (file, c))).await;
        match read {
            Ok(Ok((_, chunk))) if chunk.is_empty() => None,
            Ok(Ok((file, chunk))) => Some((Ok(Bytes::from(chunk)), Some(file))),
            Ok(Err(e)) => {
                tracing::error!("reading a blob failed: {e}");
                Some((Err(e), None))
            }
            Err(e) => Some((Err(io::Error::other(e.to_string())), None)),
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .no_chunking(len)
        .streaming(stream))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindQuery {
    kind: String,
}

fn declared_length(req: &HttpRequest) -> Result<Option<u64>, ApiError> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| ApiError::bad_request("Content-Length is not a number."))
        })
        .transpose()
}

/// Appends `data` to `blob` on the blocking pool. The write starts at once (`web::block`
/// spawns eagerly), so the next batch is read from the network while this one hits the disk;
/// one function, so that every pending write has the same type.
fn write_batch(
    svc: Svc,
    blob: TmpBlob,
    data: Vec<u8>,
) -> impl Future<Output = Result<TmpBlob, ApiError>> {
    let task = web::block(move || svc.write_blob(blob, &data));
    async move {
        match task.await {
            Ok(r) => r.map_err(ApiError::from),
            Err(e) => Err(ApiError::internal(format!("blocking task failed: {e}"))),
        }
    }
}

/// `PUT /v1/cases/{case}/documents/{doc}?kind=K`: the body streams through the age check
/// into a temporary blob; only a complete, well-formed upload is committed and recorded.
/// On any failure the temporary file is dropped, which deletes it. The complainant uploads
/// their documents, a reviewer with a grant notes and replies.
pub async fn upload(
    who: CaseAccess,
    path: DocumentPath,
    query: web::Query<KindQuery>,
    req: HttpRequest,
    mut payload: web::Payload,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    require_content_type(&req, "application/octet-stream")?;
    let kind: DocumentKind = query.kind.parse().map_err(|_| {
        ApiError::bad_request(
            "Give kind=appeal-form, power-of-attorney or attachment (complainants), or kind=note or reply (reviewers).",
        )
    })?;
    let declared = declared_length(&req)?;
    let DocumentPath(doc) = path;

    let plan = {
        let svc = svc.clone();
        blocking(move || svc.plan_upload(who, doc, kind, declared)).await?
    };
    let mut check = plan.checker();
    let mut idle = Some({
        let svc = svc.clone();
        blocking(move || svc.begin_blob()).await?
    });
    let mut pending = None;
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_BATCH);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("The upload was interrupted.")
                .logged(format!("payload error: {e}"))
        })?;
        check.feed(&chunk)?;
        buf.extend_from_slice(&chunk);
        if buf.len() >= WRITE_BATCH {
            let blob = match pending.take() {
                Some(write) => write.await?,
                None => idle
                    .take()
                    .ok_or_else(|| ApiError::internal("upload lost its blob"))?,
            };
            let data = std::mem::replace(&mut buf, Vec::with_capacity(WRITE_BATCH));
            pending = Some(write_batch(svc.clone(), blob, data));
        }
    }
    let blob = match pending.take() {
        Some(write) => write.await?,
        None => idle
            .take()
            .ok_or_else(|| ApiError::internal("upload lost its blob"))?,
    };
    let (info, created) = blocking(move || {
        let blob = svc.write_blob(blob, &buf)?;
        svc.finish_upload(plan, &check, blob)
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(info))
}

/// `GET /v1/keyring/{version}`: a keyring this server accepted, for auditors.
pub async fn get_keyring_version(
    path: web::Path<String>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let text = path.into_inner();
    let version = Some(text.as_str())
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::bad_request("The keyring version in the path must be a whole number.")
        })?;
    let k = blocking(move || svc.keyring_at(version)).await?;
    Ok(HttpResponse::Ok().json(k))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum AckVerdict {
    Accepted,
    Rejected,
}

/// The JSON of [`AckRequest`], read strictly. `AckRequest` itself cannot be deserialised:
/// serde does not support `deny_unknown_fields` together with `flatten`, and every body fails
/// with "unknown field `verdict`". Same fields, same meaning; it becomes an `AckRequest` at once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    document_id: DocumentId,
    verdict: AckVerdict,
    #[serde(default)]
    reason: Option<u16>,
    signed_at: i64,
    #[serde(with = "amanat_protocol::encoding::serde_b64")]
    signature: Vec<u8>,
}

impl TryFrom<AckBody> for AckRequest {
    type Error = ApiError;
    fn try_from(b: AckBody) -> Result<AckRequest, ApiError> {
        let verdict = match (b.verdict, b.reason) {
            (AckVerdict::Accepted, None) => VerdictWire::Accepted,
            (AckVerdict::Rejected, Some(reason)) => VerdictWire::Rejected { reason },
            (AckVerdict::Accepted, Some(_)) => {
                return Err(ApiError::bad_request(
                    "An accepted power of attorney takes no reason; send reason only with \"verdict\": \"rejected\".",
                ));
            }
            (AckVerdict::Rejected, None) => {
                return Err(ApiError::bad_request(
                    "A rejection needs a reason code: add \"reason\": N.",
                ));
            }
        };
        Ok(AckRequest {
            document_id: b.document_id,
            verdict,
            signed_at: b.signed_at,
            signature: b.signature,
        })
    }
}

/// `POST /v1/cases/{case}/acknowledgements`: a reviewer's signed verdict on a power of attorney.
pub async fn acknowledge(
    who: GrantedReviewer,
    body: web::Json<AckBody>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let req = AckRequest::try_from(body.into_inner())?;
    let recorded = blocking(move || svc.acknowledge(&who, &req)).await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// `GET /v1/me`: the complainant's own case — status, uploads and replies, never notes.
pub async fn me(who: CaseSession, svc: Svc) -> Result<HttpResponse, ApiError> {
    let mine = blocking(move || svc.my_case(&who)).await?;
    Ok(HttpResponse::Ok().json(mine))
}

/// `POST /v1/cases/{case}/status`: optimistic concurrency on the case's version.
pub async fn set_status(
    who: GrantedReviewer,
    body: web::Json<SetStatus>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let summary = blocking(move || svc.set_status(&who, &body)).await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// `POST /v1/cases/{case}/assignee`: optimistic concurrency on the case's version.
pub async fn set_assignee(
    who: GrantedReviewer,
    body: web::Json<SetAssignee>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let summary = blocking(move || svc.set_assignee(&who, &body)).await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// `PUT /v1/cases/{case}/grants/{staff}`: the case identity re-wrapped for another reviewer.
pub async fn put_grant(
    who: GrantedReviewer,
    staff: StaffPath,
    body: web::Json<GrantPut>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    blocking(move || svc.put_grant(&who, &staff.0, &body)).await?;
    Ok(HttpResponse::Created().finish())
}

/// `GET /v1/cases/{case}/activity`: who opened, changed, noted, replied, shared, acknowledged.
pub async fn activity(who: GrantedReviewer, svc: Svc) -> Result<HttpResponse, ApiError> {
    let records = blocking(move || svc.activity(&who)).await?;
    Ok(HttpResponse::Ok().json(records))
}

/// `GET /checkpoint` (C2SP tlog-tiles): the signed note itself, never cached.
pub async fn tlog_checkpoint(svc: Svc) -> Result<HttpResponse, ApiError> {
    let note = blocking(move || svc.tlog_checkpoint()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(note))
}

/// `GET /tile/{path}` (C2SP tlog-tiles): a hash tile or entry bundle. A served tile holds
/// only complete subtrees, so it is the same forever and may be cached as such.
pub async fn tlog_tile(path: web::Path<String>, svc: Svc) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    let body = blocking(move || svc.tlog_tile(&path)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(body))
}

pub async fn log_checkpoint(svc: Svc) -> Result<HttpResponse, ApiError> {
    let c = blocking(move || svc.log_checkpoint()).await?;
    Ok(HttpResponse::Ok().json(c))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    start: u64,
    count: u64,
}

/// Where the entries stream is.
enum EntriesState {
    /// The next entry to read.
    Next(u64),
    /// The log is damaged here (or could not be read): end the body early.
    BreakOff,
    Done,
}

/// Ends an entries body early, the only way left to report a damaged log once the status is
/// sent. It first gives the dispatcher one turn to flush what is buffered: a body error in
/// the same turn would discard it, head included, and the client would see a dead
/// connection rather than a 200 whose body breaks off.
async fn break_off() -> Result<Bytes, io::Error> {
    actix_web::rt::task::yield_now().await;
    Err(io::Error::other("the log is missing entries"))
}

/// `GET /v1/log/entries?start=S&count=N`: `u32 BE length ‖ entry` for each entry, streamed
/// from one range query per [`ENTRIES_PER_QUERY`] entries, so memory stays bounded.
pub async fn log_entries(
    query: web::Query<EntriesQuery>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let EntriesQuery { start, count } = query.into_inner();
    let (start, end) = {
        let svc = svc.clone();
        blocking(move || svc.log_entries_range(start, count)).await?
    };
    let stream = futures_util::stream::unfold(EntriesState::Next(start), move |state| {
        let svc = svc.clone();
        async move {
            let pos = match state {
                EntriesState::Next(pos) if pos < end => pos,
                EntriesState::Next(_) | EntriesState::Done => return None,
                EntriesState::BreakOff => return Some((break_off().await, EntriesState::Done)),
            };
            let next = pos.saturating_add(ENTRIES_PER_QUERY).min(end);
            let chunk = match web::block(move || svc.log_entries_framed(pos, next)).await {
                Ok(Ok(chunk)) => chunk,
                Ok(Err(e)) => {
                    tracing::error!("reading log entries failed: {e}");
                    return Some((break_off().await, EntriesState::Done));
                }
                Err(e) => {
                    tracing::error!("reading log entries failed: {e}");
                    return Some((break_off().await, EntriesState::Done));
                }
            };
            // Never yield an empty chunk: actix encodes it as the end of a chunked body,
            // which would make a damaged log look like a short, complete one.
            if chunk.bytes.is_empty() {
                return Some((break_off().await, EntriesState::Done));
            }
            let then = if chunk.complete {
                EntriesState::Next(next)
            } else {
                EntriesState::BreakOff
            };
            Some((Ok(Bytes::from(chunk.bytes)), then))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .streaming(stream))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    index: u64,
    size: u64,
}

pub async fn log_inclusion(
    query: web::Query<InclusionQuery>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let InclusionQuery { index, size } = query.into_inner();
    let proof = blocking(move || svc.log_inclusion(index, size)).await?;
    Ok(HttpResponse::Ok().json(proof))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    from: u64,
    to: u64,
}

pub async fn log_consistency(
    query: web::Query<ConsistencyQuery>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let ConsistencyQuery { from, to } = query.into_inner();
    let proof = blocking(move || svc.log_consistency(from, to)).await?;
    Ok(HttpResponse::Ok().json(proof))
}

/// Any path that matches no route.
/// `POST /v1/web/manifest`: the root's signature over the page's manifest (the signature is
/// the authorisation, as for keyrings).
pub async fn post_web_manifest(
    svc: Svc,
    body: web::Json<amanat_protocol::web::ManifestSignature>,
) -> Result<HttpResponse, ApiError> {
    let sig = body.into_inner();
    let receipt = blocking(move || svc.publish_web_manifest(sig)).await?;
    Ok(HttpResponse::Created().json(amanat_protocol::wire::WebManifestLogged { receipt }))
}

/// `POST /v1/cases/{case}/hold`: a granted reviewer puts a legal hold on the case or lifts it.
pub async fn set_hold(
    who: GrantedReviewer,
    body: web::Json<amanat_protocol::wire::SetHold>,
    svc: Svc,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let done = blocking(move || svc.set_hold(&who, &req)).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// `POST /v1/me/withdraw`: the complainant deletes their own case.
pub async fn withdraw(
    who: CaseSession,
    svc: Svc,
    body: web::Json<amanat_protocol::wire::Withdraw>,
) -> Result<HttpResponse, ApiError> {
    let confirm = body.into_inner().case_id;
    let done = blocking(move || svc.withdraw(&who, confirm)).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// `POST /v1/root/handover`: a handover signed by the root in force and the next root (the
/// signatures are the authorisation).
pub async fn post_root_handover(
    svc: Svc,
    body: web::Json<amanat_protocol::handover::Handover>,
) -> Result<HttpResponse, ApiError> {
    let handover = body.into_inner();
    let receipt = blocking(move || svc.publish_handover(handover)).await?;
    Ok(HttpResponse::Created().json(amanat_protocol::wire::HandoverLogged { receipt }))
}

/// `GET /v1/root/handovers`: the chain from the configured root, for clients to follow.
pub async fn get_root_handovers(svc: Svc) -> Result<HttpResponse, ApiError> {
    let handovers = blocking(move || svc.root_handovers()).await?;
    Ok(HttpResponse::Ok().json(amanat_protocol::wire::Handovers { handovers }))
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}
