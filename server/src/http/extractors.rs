//! Request extractors that turn headers and paths into typed, checked values: the session
//! capabilities (a handler that takes `Reviewer` cannot run for anyone else) and path ids
//! parsed as canonical UUIDs, so no client string ever reaches the file system.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use amanat_protocol::{CaseId, DocumentId};

use super::error::ApiError;
use super::handlers::blocking;
use crate::service::{AnySession, CaseSession, Reviewer, Services};

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

fn services(req: &HttpRequest) -> Result<web::Data<Services>, ApiError> {
    req.app_data::<web::Data<Services>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("Services missing from app data"))
}

/// The token from `Authorization: Bearer …`.
fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("no Authorization header"))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("Authorization header is not ASCII"))?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or_else(|| ApiError::unauthorized("Authorization is not a Bearer token"))?;
    Ok(token.trim().to_owned())
}

impl FromRequest for AnySession {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = bearer(req).and_then(|t| Ok((t, services(req)?)));
        Box::pin(async move {
            let (token, svc) = found?;
            blocking(move || svc.authenticate(&token)).await
        })
    }
}

/// A complainant route: a staff session here is "not found", like any other case.
impl FromRequest for CaseSession {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let any = AnySession::from_request(req, payload);
        Box::pin(async move {
            match any.await? {
                AnySession::Case(s, _) => Ok(s),
                AnySession::Staff(..) => {
                    Err(ApiError::not_found().logged("staff session on a complainant route"))
                }
            }
        })
    }
}

/// A reviewer route: other sessions get "not found", as for a case they may not see.
impl FromRequest for Reviewer {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let any = AnySession::from_request(req, payload);
        Box::pin(async move {
            match any.await? {
                AnySession::Staff(s, _) => s
                    .reviewer()
                    .ok_or_else(|| ApiError::not_found().logged("staff member is not a reviewer")),
                AnySession::Case(..) => {
                    Err(ApiError::not_found().logged("complainant session on a reviewer route"))
                }
            }
        })
    }
}

fn path_id<T: std::str::FromStr>(req: &HttpRequest, name: &str, what: &str) -> Result<T, ApiError> {
    req.match_info()
        .get(name)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "The {what} id in the path must be a UUID like 0b6e3c1a-1111-4111-8111-111111111111."
            ))
        })
}

/// `{case}` in the path.
#[derive(Debug)]
pub struct CasePath(pub CaseId);

impl FromRequest for CasePath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(path_id(req, "case", "case").map(CasePath))
    }
}

/// `{case}` and `{doc}` in the path.
#[derive(Debug)]
pub struct DocumentPath(pub CaseId, pub DocumentId);

impl FromRequest for DocumentPath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            path_id(req, "case", "case")
                .and_then(|c| Ok(DocumentPath(c, path_id(req, "doc", "document")?))),
        )
    }
}

/// Refuses a body whose Content-Type is not `expected` (parameters such as charset aside).
pub fn require_content_type(req: &HttpRequest, expected: &str) -> Result<(), ApiError> {
    let ok = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected));
    if ok {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(expected))
    }
}
