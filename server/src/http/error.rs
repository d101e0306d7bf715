//! Every error leaves as `{"error": code, "message": sentence}`. Each has two texts: the
//! sentence a person is told, and the detail that goes to the log (never into a body).
//! A 5xx body is always the same generic sentence.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use amanat_protocol::wire::{DocumentKind, ErrorBody};

use crate::domain::{CaseChange, LastChange};
use crate::service::ServiceError;

pub const UNAUTHORIZED_MESSAGE: &str =
    "Authentication failed. Ask for a new challenge, sign it, and try again.";
const NOT_FOUND_MESSAGE: &str = "There is nothing here that you may see.";
const INTERNAL_MESSAGE: &str = "The server could not complete the request. Try again later; if it persists, tell the operator.";
const UNAVAILABLE_MESSAGE: &str =
    "The server cannot reach its database just now. Nothing was lost; try again in a moment.";
/// Seconds a client is asked to wait before retrying after `503 database_unavailable`.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u32 = 5;

/// An error response: status, stable code, what the person is told, what the log is told.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    log: Option<String>,
    /// Sent as `Retry-After` (seconds).
    retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            log: None,
            retry_after: None,
        }
    }

    /// Adds detail for the log only.
    pub fn logged(mut self, detail: impl Into<String>) -> Self {
        self.log = Some(detail.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", NOT_FOUND_MESSAGE)
    }

    pub fn unauthorized(detail: &str) -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            UNAUTHORIZED_MESSAGE,
        )
        .logged(detail)
    }

    pub fn unsupported_media_type(expected: &str) -> Self {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("Send the body with Content-Type: {expected}."),
        )
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            INTERNAL_MESSAGE,
        )
        .logged(detail)
    }

    /// `503 database_unavailable` with `Retry-After`: the database is down or unreachable.
    /// Said in so many words, unlike other 5xx, because there is nothing secret in it and it
    /// tells the client that retrying is right.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            UNAVAILABLE_MESSAGE,
        )
        .logged(detail);
        e.retry_after = Some(UNAVAILABLE_RETRY_AFTER_SECS);
        e
    }

    /// Sends `Retry-After: secs` with the error.
    pub fn retry_after(mut self, secs: u32) -> Self {
        self.retry_after = Some(secs);
        self
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        use ServiceError as E;
        let detail = e.to_string();
        let err = match e {
            E::NotFound(_) => ApiError::not_found(),
            E::Unauthorized(d) => return ApiError::unauthorized(d),
            E::NoKeyring => ApiError::new(
                StatusCode::CONFLICT,
                "no_keyring",
                "The foundation has not published a keyring yet.",
            ),
            E::StaleKeyring { offered, current } => ApiError::new(
                StatusCode::CONFLICT,
                "stale_keyring",
                format!(
                    "The case was prepared for keyring version {offered}, but the current version is {current}. Fetch the keyring and try again."
                ),
            ),
            E::BadGrants(reason) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_grants",
                format!(
                    "A case needs exactly one well-formed grant for each current reviewer: {reason}."
                ),
            ),
            E::Conflict(reason) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", capitalise(&reason))
            }
            E::UnknownRoot => ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown_root",
                "The keyring is not signed by the root key this server was set up with.",
            ),
            E::BadKeyringSignature => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_signature",
                "The keyring signature does not verify.",
            ),
            E::BadKeyring(reason) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_keyring",
                format!("The keyring is malformed: {reason}."),
            ),
            E::KeyringRollback { offered, current } => ApiError::new(
                StatusCode::CONFLICT,
                "keyring_rollback",
                format!(
                    "Keyring version {offered} is not newer than the current version {current}; sign a version above {current}."
                ),
            ),
            E::BadWebManifestSignature => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_signature",
                "The web manifest's signature does not verify with the root key this server was set up with.",
            ),
            E::StaleWebManifest { offered, latest } => ApiError::new(
                StatusCode::CONFLICT,
                "stale_manifest",
                format!(
                    "A web manifest signed at {offered} is not newer than the one already logged (signed at {latest}); sign it again with `amanat admin web sign`."
                ),
            ),
            E::BadHandover(reason) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_signature",
                format!(
                    "The root handover does not verify ({reason}); both the old and the new root must sign it (`amanat admin root rotate`)."
                ),
            ),
            E::HandoverNotFromCurrentRoot { current } => ApiError::new(
                StatusCode::CONFLICT,
                "not_current_root",
                format!(
                    "The handover is not from the root in force, {current}; only that root can hand over."
                ),
            ),
            E::HandoverToOldRoot => ApiError::new(
                StatusCode::CONFLICT,
                "root_reused",
                "The handover names a root this foundation used before; hand over to a new key made with `amanat admin init`.",
            ),
            E::PuzzleReplayed(purpose) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_pow",
                format!(
                    "The puzzle has already been used; each is good for one request. Get a new one from GET /v1/pow?purpose={purpose}."
                ),
            ),
            E::NotAge(reason) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "not_age",
                format!("The upload is not a padded age file to one case: {reason}."),
            ),
            E::TooLarge { limit } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("The document is larger than this server's limit of {limit} bytes."),
            ),
            E::InsufficientStorage(_) => ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                "The server has no room for this document now. Try again later.",
            ),
            E::Unavailable(d) => return ApiError::unavailable(d),
            E::StorageUnavailable(d) => {
                let mut e = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "The server cannot reach its blob store just now. Nothing was lost; try again in a moment.",
                )
                .logged(d);
                e.retry_after = Some(UNAVAILABLE_RETRY_AFTER_SECS);
                return e;
            }
            E::BadRequest(reason) => ApiError::bad_request(capitalise(&reason)),
            E::BadRange(reason) => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_range", capitalise(&reason))
            }
            E::NotPowerOfAttorney(kind) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "not_power_of_attorney",
                format!("Only a power of attorney can be acknowledged; this document is a {kind}."),
            ),
            E::BadAckSignature(reason) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_signature",
                format!(
                    "The acknowledgement's signature is not valid: {reason}. Sign the statement over the case's commitment, the document's id and SHA-256, the verdict, your keyring key and signed_at."
                ),
            ),
            E::BadTime {
                signed_at,
                now,
                max_skew,
            } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_time",
                format!(
                    "signed_at ({signed_at}) is more than {max_skew} seconds from the server's time ({now}). Check your clock and sign again."
                ),
            ),
            E::BadRecipients {
                kind,
                expected,
                found,
            } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_recipients",
                match kind {
                    DocumentKind::Note => format!(
                        "A note must be encrypted to every reviewer in the current keyring and to nobody else: {expected} recipients, but this one has {found}. Fetch the keyring and encrypt the note again."
                    ),
                    _ => format!(
                        "A {kind} must be encrypted to the case alone: {expected} recipient, but this one has {found}."
                    ),
                },
            ),
            E::StaleVersion {
                sent,
                current,
                last,
            } => ApiError::new(
                StatusCode::CONFLICT,
                "stale_version",
                stale_message(sent, current, last.as_ref()),
            ),
            E::KeyringChanged => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "A new keyring was published while your request was handled. Repeat the request.",
            ),
            // Internal or unknown: the detail is for the log only.
            _ => return ApiError::internal(detail),
        };
        err.logged(detail)
    }
}

/// "aigerim changed the status to in-review at 2026-11-23 10:40 UTC (version 3); you saw
/// version 2." — who, what and when, so the person can decide whether their change still
/// makes sense.
fn stale_message(sent: i64, current: i64, last: Option<&LastChange>) -> String {
    let what = match last {
        Some(l) => {
            let change = match &l.change {
                CaseChange::Status(s) => format!("changed the status to {s}"),
                CaseChange::Assignee(Some(a)) => format!("assigned the case to {a}"),
                CaseChange::Assignee(None) => "unassigned the case".to_owned(),
            };
            format!(
                "{} {change} at {} (version {current})",
                l.by,
                amanat_protocol::time::utc_minute(l.at)
            )
        }
        None => format!("The case is at version {current}"),
    };
    format!("{what}; you saw version {sent}. Reload the case and decide again.")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    let mut out: String = match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let log = self.log.as_deref().unwrap_or("");
        if self.status.is_server_error() {
            tracing::error!(status = self.status.as_u16(), code = self.code, "{log}");
        } else {
            // Client mistakes and refusals: detail only at debug (it may name a case).
            tracing::debug!(status = self.status.as_u16(), code = self.code, "{log}");
        }
        let mut res = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs));
        }
        res.json(ErrorBody {
            error: self.code.to_owned(),
            message: self.message.clone(),
        })
    }
}

/// The error for a status actix produced on its own (unknown method, payload trouble): the
/// same JSON shape, with a generic sentence.
pub fn for_status(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::not_found(),
        StatusCode::UNAUTHORIZED => ApiError::unauthorized("rejected before the handler"),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "method_not_allowed",
            "This address does not accept that method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "too_large",
            "The request body is larger than this route accepts.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            status,
            "unsupported_media_type",
            "The request body has the wrong Content-Type.",
        ),
        s if s.is_server_error() => ApiError::internal(format!("status {s} from the framework")),
        s => ApiError::new(s, "bad_request", "The request could not be understood."),
    }
}

/// Safety net: an error response that is not already our JSON (actix's own 405, payload
/// errors…) is replaced by one, so that clients only ever see one error shape.
pub fn json_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res.headers().get(header::CONTENT_TYPE)
        == Some(&HeaderValue::from_static("application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, _) = res.into_parts();
    let body = for_status(status).error_response();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, body).map_into_right_body::<B>(),
    ))
}

/// Runs a blocking service call on the blocking pool.
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ServiceError> + Send + 'static,
    T: Send + 'static,
{
    match actix_web::web::block(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => Err(ApiError::internal(format!("blocking task failed: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_stale_write_is_told_who_changed_what_and_when() {
        let last = LastChange {
            by: "aigerim".parse().unwrap(),
            at: 1_795_430_459,
            change: CaseChange::Status(amanat_protocol::wire::CaseStatus::InReview),
        };
        assert_eq!(
            stale_message(2, 3, Some(&last)),
            "aigerim changed the status to in-review at 2026-11-23 10:40 UTC (version 3); you saw version 2. Reload the case and decide again."
        );
        assert_eq!(
            stale_message(7, 1, None),
            "The case is at version 1; you saw version 7. Reload the case and decide again."
        );
    }
}
