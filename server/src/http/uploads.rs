//! The resumable-upload routes of docs/protocol.md: create, `PATCH` a chunk at an explicit
//! offset, state, finish, delete. A chunk streams through in 1 MiB batches on the blocking
//! pool and is fsynced before its new offset is answered; nothing is held in memory whole.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use amanat_protocol::CaseId;
use amanat_protocol::wire::{
    CreateUpload, ErrorBody, FinishUpload, MAX_CHUNK, UPLOAD_OFFSET_HEADER, UploadState,
};
use futures_util::StreamExt;

use super::error::ApiError;
use super::extractors::require_content_type;
use crate::service::{CaseSession, ChunkWriter, ServiceError, Services, UploadError};

type Svc = web::Data<Services>;

/// Batches written to disk per blocking call, as for single-request uploads.
const WRITE_BATCH: usize = 1024 * 1024;
/// How often a quiet connection checks whether a newer request took the upload over.
const TICK: Duration = Duration::from_secs(1);
/// A chunk whose connection delivers nothing for this long is ended, keeping what arrived.
const IDLE_LIMIT: Duration = Duration::from_secs(60);
pub const CONTENT_TYPE: &str = "application/offset+octet-stream";

/// The routes, inside the `/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/cases/{case}/uploads").route(web::post().to(create)))
        .service(
            web::resource("/uploads/{id}")
                .route(web::get().to(state))
                .route(web::patch().to(patch))
                .route(web::delete().to(delete)),
        )
        .service(web::resource("/uploads/{id}/finish").route(web::post().to(finish)));
}

/// An upload refusal: mostly an [`ApiError`], but a refusal that tells the client where to
/// resume also carries the [`UploadState`] fields beside `error` and `message`.
#[derive(Debug)]
pub enum Refusal {
    Api(ApiError),
    Resume {
        status: StatusCode,
        code: &'static str,
        message: String,
        state: UploadState,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Api(e) => e.fmt(f),
            Refusal::Resume { status, code, .. } => write!(f, "{} {code}", status.as_u16()),
        }
    }
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal::Api(e)
    }
}

impl From<ServiceError> for Refusal {
    fn from(e: ServiceError) -> Self {
        Refusal::Api(e.into())
    }
}

impl From<UploadError> for Refusal {
    fn from(e: UploadError) -> Self {
        let detail = e.to_string();
        let api = |status, code, message: String| {
            Refusal::Api(ApiError::new(status, code, message).logged(detail.clone()))
        };
        match e {
            UploadError::OffsetMismatch { sent, state } => Refusal::Resume {
                status: StatusCode::CONFLICT,
                code: "offset_mismatch",
                message: format!(
                    "The chunk starts at byte {sent}, but the server has {} bytes of this upload; send from there.",
                    state.offset
                ),
                state,
            },
            UploadError::Incomplete { state } => Refusal::Resume {
                status: StatusCode::BAD_REQUEST,
                code: "incomplete",
                message: format!(
                    "The server has {} of the {} bytes declared; send the rest, then finish.",
                    state.offset, state.length
                ),
                state,
            },
            UploadError::HashMismatch => api(
                StatusCode::BAD_REQUEST,
                "hash_mismatch",
                "The SHA-256 of what arrived is not the one given, so the upload was discarded. Start it again.".into(),
            ),
            UploadError::ChunkTooLarge { max } => api(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("A chunk may carry at most {max} bytes; nothing of this one was kept."),
            ),
            UploadError::PastEnd { length } => api(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "The chunk runs past the upload's declared length of {length} bytes; nothing of it was kept."
                ),
            ),
            UploadError::ChunkTooSmall { min } => api(
                StatusCode::BAD_REQUEST,
                "chunk_too_small",
                format!(
                    "This server keeps uploads in S3, where every chunk but the last must carry at least {min} bytes; nothing of this one was kept. Send larger chunks (the CLI and the page send 8 MiB)."
                ),
            ),
            UploadError::Busy => api(
                StatusCode::CONFLICT,
                "upload_busy",
                "Another request is still writing this upload. Ask for its state and resume in a moment.".into(),
            ),
            UploadError::Service(e) => Refusal::Api(e.into()),
        }
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        match self {
            Refusal::Api(e) => e.status_code(),
            Refusal::Resume { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Refusal::Api(e) => e.error_response(),
            Refusal::Resume {
                status,
                code,
                message,
                state,
            } => {
                tracing::debug!(status = status.as_u16(), code, "upload refused");
                let mut body = serde_json::to_value(state).unwrap_or_default();
                let error = serde_json::to_value(ErrorBody {
                    error: (*code).to_owned(),
                    message: message.clone(),
                })
                .unwrap_or_default();
                if let (Some(body), Some(error)) = (body.as_object_mut(), error.as_object()) {
                    body.extend(error.clone());
                }
                HttpResponse::build(*status)
                    .insert_header(offset_header(state.offset))
                    .json(body)
            }
        }
    }
}

fn offset_header(offset: u64) -> (&'static str, HeaderValue) {
    (UPLOAD_OFFSET_HEADER, HeaderValue::from(offset))
}

/// Runs a blocking upload call on the blocking pool.
async fn run<T, F>(f: F) -> Result<T, Refusal>
where
    F: FnOnce() -> Result<T, UploadError> + Send + 'static,
    T: Send + 'static,
{
    match web::block(f).await {
        Ok(r) => r.map_err(Refusal::from),
        Err(e) => Err(ApiError::internal(format!("blocking task failed: {e}")).into()),
    }
}

fn upload_id(path: web::Path<String>) -> Result<String, Refusal> {
    let id = path.into_inner();
    if crate::service::valid_upload_id(&id) {
        Ok(id)
    } else {
        Err(
            ApiError::bad_request("The upload id in the path must be 32 lowercase hex digits.")
                .into(),
        )
    }
}

fn header_number(req: &HttpRequest, name: &str) -> Result<Option<u64>, Refusal> {
    req.headers()
        .get(name)
        .map(|v| {
            amanat_protocol::wire::parse_header_number(v.as_bytes()).ok_or_else(|| {
                ApiError::bad_request(format!("The {name} header must be a whole number.")).into()
            })
        })
        .transpose()
}

/// `POST /v1/cases/{case}/uploads`: `201` with a new upload, `200` with the one an earlier,
/// identical create made (its answer was lost).
pub async fn create(
    who: CaseSession,
    path: web::Path<String>,
    body: web::Json<CreateUpload>,
    svc: Svc,
) -> Result<HttpResponse, Refusal> {
    let case: CaseId = path.into_inner().parse().map_err(|_| {
        ApiError::bad_request(
            "The case id in the path must be a UUID like 0b6e3c1a-1111-4111-8111-111111111111.",
        )
    })?;
    let req = body.into_inner();
    let (state, created) = run(move || svc.create_resumable(&who, case, &req)).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::LOCATION, format!("/v1/uploads/{}", state.upload_id)))
        .insert_header(offset_header(state.offset))
        .json(state))
}

/// `GET /v1/uploads/{id}`: how much the server has.
pub async fn state(
    who: CaseSession,
    path: web::Path<String>,
    svc: Svc,
) -> Result<HttpResponse, Refusal> {
    let id = upload_id(path)?;
    let state = run(move || svc.resumable_state(&who, &id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(offset_header(state.offset))
        .json(state))
}

/// `DELETE /v1/uploads/{id}`.
pub async fn delete(
    who: CaseSession,
    path: web::Path<String>,
    svc: Svc,
) -> Result<HttpResponse, Refusal> {
    let id = upload_id(path)?;
    run(move || svc.delete_resumable(&who, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v1/uploads/{id}/finish`: `201 DocumentInfo` with the receipt; `200` for a retry.
pub async fn finish(
    who: CaseSession,
    path: web::Path<String>,
    body: web::Json<FinishUpload>,
    svc: Svc,
) -> Result<HttpResponse, Refusal> {
    let id = upload_id(path)?;
    let sha256 = body.sha256;
    let (info, created) = run(move || svc.finish_resumable(&who, &id, sha256)).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(info))
}

/// Why reading a chunk's body stopped.
enum Ended {
    Complete,
    /// More bytes than the chunk may carry: refused, nothing of it kept.
    TooMuch,
    /// The connection broke or went quiet, or a newer request took over: what arrived is
    /// kept and fsynced, so the client resumes after it.
    Cut(Refusal),
}

/// Writes one batch on the blocking pool and hands the writer back, with the outcome. The
/// write starts at once (`web::block` spawns eagerly), so the next batch is read from the
/// network while this one is hashed and written; one function, so every pending write has
/// the same type.
/// Writes the pieces the network delivered, as they came: no copy into a batch buffer on
/// the worker thread that also decrypts TLS.
fn write_batch(
    mut w: ChunkWriter,
    data: Vec<Bytes>,
) -> impl Future<Output = Result<(ChunkWriter, Result<(), UploadError>), Refusal>> {
    let task = web::block(move || {
        let r = w.write_pieces(&data);
        (w, r)
    });
    async move {
        task.await
            .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")).into())
    }
}

/// `PATCH /v1/uploads/{id}` with `Upload-Offset: N`: appends the body at N, which must be the
/// server's offset. The answer's `Upload-Offset` is the new, durable offset.
pub async fn patch(
    who: CaseSession,
    path: web::Path<String>,
    req: HttpRequest,
    mut payload: web::Payload,
    svc: Svc,
) -> Result<HttpResponse, Refusal> {
    require_content_type(&req, CONTENT_TYPE)?;
    let id = upload_id(path)?;
    let offset = header_number(&req, UPLOAD_OFFSET_HEADER)?.ok_or_else(|| {
        ApiError::bad_request("Give the chunk's starting byte in the Upload-Offset header.")
    })?;
    let declared = header_number(&req, header::CONTENT_LENGTH.as_str())?;
    if declared.is_some_and(|n| n > MAX_CHUNK) {
        return Err(UploadError::ChunkTooLarge { max: MAX_CHUNK }.into());
    }
    let writer = {
        let svc = svc.clone();
        run(move || svc.open_chunk(&who, &id, offset, declared)).await?
    };
    let stop: Arc<AtomicBool> = writer.stop_signal();
    let room = writer.room();
    // The writer is either idle here or inside the one write in flight.
    let mut idle = Some(writer);
    let mut pending = None;

    let mut buf: Vec<Bytes> = Vec::new();
    let mut buffered: usize = 0;
    let mut received: u64 = 0;
    let mut quiet = Duration::ZERO;
    let mut failed: Option<UploadError> = None;
    let ended = loop {
        if stop.load(Ordering::SeqCst) {
            break Ended::Cut(
                ApiError::new(
                    StatusCode::CONFLICT,
                    "upload_busy",
                    "A newer request for this upload took over from this one.",
                )
                .into(),
            );
        }
        let next = match actix_web::rt::time::timeout(TICK, payload.next()).await {
            Err(_) => {
                quiet += TICK;
                if quiet >= IDLE_LIMIT {
                    break Ended::Cut(
                        ApiError::new(
                            StatusCode::REQUEST_TIMEOUT,
                            "timeout",
                            "The chunk stopped arriving; what arrived was kept. Ask for the upload's state and resume.",
                        )
                        .into(),
                    );
                }
                continue;
            }
            Ok(next) => next,
        };
        quiet = Duration::ZERO;
        let chunk: Bytes = match next {
            None => break Ended::Complete,
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                break Ended::Cut(
                    ApiError::bad_request("The chunk was interrupted; what arrived was kept.")
                        .logged(format!("payload error: {e}"))
                        .into(),
                );
            }
        };
        received = received.saturating_add(chunk.len() as u64);
        buffered += chunk.len();
        buf.push(chunk);
        if received > room {
            break Ended::TooMuch;
        }
        if buffered >= WRITE_BATCH {
            let w = match pending.take() {
                Some(write) => {
                    let (w, r) = write.await?;
                    if let Err(e) = r {
                        idle = Some(w);
                        failed = Some(e);
                        break Ended::TooMuch;
                    }
                    w
                }
                None => idle
                    .take()
                    .ok_or_else(|| ApiError::internal("a chunk lost its writer"))?,
            };
            let data = std::mem::take(&mut buf);
            buffered = 0;
            pending = Some(write_batch(w, data));
        }
    };
    if let Some(write) = pending.take() {
        let (w, r) = write.await?;
        idle = Some(w);
        if let Err(e) = r {
            failed.get_or_insert(e);
        }
    }
    let mut writer = idle
        .take()
        .ok_or_else(|| ApiError::internal("a chunk lost its writer"))?;
    // The rest of the body: written, except after a refusal.
    if failed.is_none() {
        let data = std::mem::take(&mut buf);
        let (w, r) = write_batch(writer, data).await?;
        writer = w;
        if let Err(e) = r {
            failed = Some(e);
        }
    }
    if let Some(e) = failed {
        let svc = svc.clone();
        run(move || svc.abort_chunk(writer)).await?;
        return Err(e.into());
    }
    match ended {
        Ended::TooMuch => {
            // Only reached when the last write did not fail, i.e. never in practice: the
            // batch that crossed the limit is refused by `write`. Refuse anyway.
            let svc = svc.clone();
            run(move || svc.abort_chunk(writer)).await?;
            Err(UploadError::ChunkTooLarge { max: MAX_CHUNK }.into())
        }
        Ended::Cut(refusal) => {
            run(move || svc.cut_chunk(writer)).await?;
            Err(refusal)
        }
        Ended::Complete => {
            let state = run(move || svc.close_chunk(writer)).await?;
            Ok(HttpResponse::NoContent()
                .insert_header(offset_header(state.offset))
                .finish())
        }
    }
}

/// Collects expired uploads, puzzle seeds and orphan blobs every so often (one server of
/// those sharing a database at a time), for as long as the actix system runs (it must be
/// called inside one). The work runs on the blocking pool; a failure is logged and retried.
pub fn spawn_collector(svc: Svc) {
    let period = svc.upload_collect_period();
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(period);
        ticks.tick().await; // the first tick is immediate; start-up already collected
        loop {
            ticks.tick().await;
            let svc = svc.clone();
            match web::block(move || svc.collect()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!("collecting expired uploads failed: {e}"),
                Err(e) => tracing::error!("the upload collector's task failed: {e}"),
            }
        }
    });
}
