//! Time limits on request bodies (issue 6). actix bounds the TLS handshake, the request head
//! and idle keep-alive connections (see `http_server` in lib.rs) but not a body: a client
//! that sends a JSON body a byte a minute, or stops half-way, would hold its connection and
//! a worker's attention for ever. Here a small body must arrive whole within the request
//! timeout, and a streamed document may not go quiet for longer than twice that; either is
//! answered `408 timeout` and the connection is closed.
//!
//! Resumable chunks (`PATCH /v1/uploads/{id}`) are left to their handler, which keeps what
//! arrived when a chunk goes quiet and reports the offset (see uploads.rs).

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, timeout};
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use futures_util::{Stream, StreamExt};

use super::error::ApiError;
use super::uploads::CONTENT_TYPE as CHUNK_CONTENT_TYPE;

/// The request timeout: for the TLS handshake, the request head, a JSON body, and an idle
/// keep-alive connection. Streamed documents may be quiet for twice as long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub request: Duration,
}

impl Timeouts {
    pub fn from_secs(secs: u64) -> Timeouts {
        Timeouts {
            request: Duration::from_secs(secs),
        }
    }

    /// How long a streamed document body may deliver nothing.
    pub fn stream_idle(&self) -> Duration {
        self.request.saturating_mul(2)
    }
}

/// How a body is limited, by its declared type.
enum Limit {
    /// Small bodies (JSON, or anything a route will refuse): all of it by a deadline.
    Whole(Duration),
    /// `application/octet-stream` documents, up to gigabytes: no silence longer than this.
    Idle(Duration),
    /// Resumable chunks: the handler's own rules.
    None,
}

fn limit_for(headers: &HeaderMap, t: Timeouts) -> Limit {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some(CHUNK_CONTENT_TYPE) => Limit::None,
        Some("application/octet-stream") => Limit::Idle(t.stream_idle()),
        _ => Limit::Whole(t.request),
    }
}

fn timed_out() -> PayloadError {
    PayloadError::Io(io::Error::new(
        io::ErrorKind::TimedOut,
        "the request body did not arrive in time",
    ))
}

/// The body, cut off with an error (and `expired` set) when its time is up.
fn limited(
    inner: Payload,
    limit: Limit,
    expired: Rc<Cell<bool>>,
) -> impl Stream<Item = Result<Bytes, PayloadError>> {
    let deadline = match limit {
        Limit::Whole(d) => Some(Instant::now() + d),
        _ => None,
    };
    let idle = match limit {
        Limit::Idle(d) => d,
        _ => Duration::MAX,
    };
    futures_util::stream::unfold(Some(inner), move |state| {
        let expired = expired.clone();
        async move {
            let mut inner = state?;
            let wait = deadline.map_or(idle, |at| at.saturating_duration_since(Instant::now()));
            match timeout(wait, inner.next()).await {
                Ok(Some(Ok(b))) => Some((Ok(b), Some(inner))),
                Ok(Some(Err(e))) => Some((Err(e), None)),
                Ok(None) => None,
                Err(_) => {
                    expired.set(true);
                    Some((Err(timed_out()), None))
                }
            }
        }
    })
}

/// Middleware: puts the body under its time limit and turns the refusal of a body that ran
/// out of time, whatever the handler made of the cut-off, into `408 timeout`.
pub async fn limit_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let t = req.app_data::<web::Data<Timeouts>>().map(|t| *t.get_ref());
    let expired = Rc::new(Cell::new(false));
    if let Some(t) = t {
        let limit = limit_for(req.headers(), t);
        if !matches!(limit, Limit::None) {
            let inner = req.take_payload();
            let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
                Box::pin(limited(inner, limit, expired.clone()));
            req.set_payload(Payload::from(stream));
        }
    }
    let res = next.call(req).await?;
    if !expired.get() || res.status().is_success() {
        return Ok(res.map_into_left_body());
    }
    let (req, _) = res.into_parts();
    let mut body: HttpResponse = ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "timeout",
        "The request body did not arrive in time, so nothing of it was kept. Send it again.",
    )
    .error_response();
    // The rest of the body may still be on its way: this connection is done.
    body.head_mut().set_connection_type(ConnectionType::Close);
    Ok(ServiceResponse::new(req, body).map_into_right_body())
}
