//! Abuse limits that track no one (issue 6): a bound on the requests in flight, across all
//! workers, beyond which the server answers `503 overloaded` at once instead of queueing work
//! until memory runs out; and the proof-of-work puzzles that opening a case and every sign-in
//! cost (`GET /v1/pow`, the `Amanat-PoW` header). Neither looks at who is asking.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use amanat_protocol::pow::{self, Purpose};
use amanat_protocol::wire::PuzzleRequest;

use super::error::ApiError;
use crate::service::pow::{InFlight, PowError};
use crate::service::{Services, now};

/// Seconds an overloaded server asks a client to wait.
pub const RETRY_AFTER_SECS: u32 = 5;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/pow").route(web::get().to(puzzle)));
}

fn overloaded() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "The server is busy. Nothing was done; try again in a few seconds.",
    )
    .retry_after(RETRY_AFTER_SECS)
}

/// Middleware: admits a request only while fewer than `max_in_flight` are being worked on,
/// and keeps its place until the response body has been sent (a download counts for as long
/// as it streams). The refusal costs no database work and no allocation beyond its answer.
pub async fn bound_in_flight(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<Guarded>>, actix_web::Error> {
    let load = req
        .app_data::<web::Data<Services>>()
        .map(|svc| Arc::clone(svc.load()));
    let Some(load) = load else {
        return Ok(req
            .error_response(ApiError::internal("the services are not registered"))
            .map_into_right_body());
    };
    match load.enter() {
        Some(place) => {
            let res = next.call(req).await?;
            Ok(res.map_body(|_, body| {
                EitherBody::left(Guarded {
                    body: body.boxed(),
                    _place: place,
                })
            }))
        }
        None => Ok(req.error_response(overloaded()).map_into_right_body()),
    }
}

/// A response body that holds its request's place in flight until it is done or dropped.
pub struct Guarded {
    body: BoxBody,
    _place: InFlight,
}

impl MessageBody for Guarded {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

/// `GET /v1/pow?purpose=create-case|auth`: a fresh puzzle at the difficulty the load calls for.
pub async fn puzzle(
    query: web::Query<PuzzleRequest>,
    svc: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let p = svc.puzzles().issue(query.purpose, svc.load(), now());
    Ok(HttpResponse::Ok().json(p))
}

/// Checks and spends the request's solved puzzle for `purpose`: one HMAC and one hash, before
/// the handler does any database work.
pub fn require_pow(
    req: &HttpRequest,
    svc: &Services,
    purpose: Purpose,
) -> Result<crate::service::pow::Checked, ApiError> {
    let header = match req.headers().get(pow::HEADER) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| pow_error(PowError::Malformed, purpose))?,
        ),
    };
    svc.puzzles()
        .check(header, purpose, now())
        .map_err(|e| pow_error(e, purpose))
}

fn pow_error(e: PowError, purpose: Purpose) -> ApiError {
    let p = purpose.as_str();
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "bad_pow", message);
    let err = match e {
        PowError::Missing => ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "pow_required",
            format!(
                "This request needs a solved proof-of-work puzzle: get one from GET /v1/pow?purpose={p}, solve it, and send the answer in the Amanat-PoW header."
            ),
        ),
        PowError::Malformed => {
            bad("The Amanat-PoW header is not <base64url seed>.<decimal nonce>.".to_owned())
        }
        PowError::Forged => bad(format!(
            "This server did not issue the puzzle in the Amanat-PoW header. Get one from GET /v1/pow?purpose={p}."
        )),
        PowError::WrongPurpose => bad(format!(
            "The puzzle was issued for another kind of request. Get one from GET /v1/pow?purpose={p}."
        )),
        PowError::Expired => bad(format!(
            "The puzzle has expired. Get a new one from GET /v1/pow?purpose={p}."
        )),
        PowError::Unsolved => {
            bad("The nonce in the Amanat-PoW header does not solve the puzzle.".to_owned())
        }
        PowError::Replayed => bad(format!(
            "The puzzle has already been used; each is good for one request. Get a new one from GET /v1/pow?purpose={p}."
        )),
        PowError::Busy => overloaded(),
    };
    err.logged(format!("proof of work for {p}: {e}"))
}
