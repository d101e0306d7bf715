//! Request extractors that turn headers and paths into typed, checked values: the session
//! capabilities (a handler that takes `Reviewer` cannot run for anyone else) and path ids
//! parsed as canonical UUIDs, so no client string ever reaches the file system.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use amanat_protocol::{DocumentId, StaffId};

use super::error::ApiError;
use super::error::blocking;
use crate::service::{
    AnySession, CaseAccess, CaseSession, GrantedReviewer, Reviewer, Services, Staff,
};

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

/// A staff route (any role): a complainant's session here is "not found".
impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let any = AnySession::from_request(req, payload);
        Box::pin(async move {
            match any.await? {
                AnySession::Staff(s, _) => Ok(s),
                AnySession::Case(..) => {
                    Err(ApiError::not_found().logged("complainant session on a staff route"))
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
        let staff = Staff::from_request(req, payload);
        Box::pin(async move {
            staff
                .await?
                .reviewer()
                .ok_or_else(|| ApiError::not_found().logged("staff member is not a reviewer"))
        })
    }
}

/// A route on one case for reviewers holding a grant for it. Refusals come in a fixed order,
/// as for [`CaseAccess`]: no session 401; a malformed `{case}` 400; anything else (not a
/// reviewer, no such case, no grant) the same 404.
impl FromRequest for GrantedReviewer {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let staff = Staff::from_request(req, payload);
        let case = path_id(req, "case", "case");
        let svc = services(req);
        Box::pin(async move {
            let staff = staff.await?;
            let (case, svc) = (case?, svc?);
            let reviewer = staff
                .reviewer()
                .ok_or_else(|| ApiError::not_found().logged("staff member is not a reviewer"))?;
            blocking(move || svc.granted(reviewer, case)).await
        })
    }
}

/// A route on one case for its own complainant or a reviewer holding a grant; anyone else
/// gets 404, as for a case that does not exist.
impl FromRequest for CaseAccess {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let any = AnySession::from_request(req, payload);
        let case = path_id(req, "case", "case");
        let svc = services(req);
        Box::pin(async move {
            let any = any.await?;
            let (case, svc) = (case?, svc?);
            blocking(move || svc.case_access(any, case)).await
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

/// `{doc}` in the path (the `{case}` beside it is read by the capability extractor).
#[derive(Debug)]
pub struct DocumentPath(pub DocumentId);

impl FromRequest for DocumentPath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(path_id(req, "doc", "document").map(DocumentPath))
    }
}

/// `{staff}` in the path: a keyring staff id.
#[derive(Debug)]
pub struct StaffPath(pub StaffId);

impl FromRequest for StaffPath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.match_info()
                .get("staff")
                .and_then(|s| s.parse().ok())
                .map(StaffPath)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "The staff id in the path is not valid; use the id from the keyring.",
                    )
                }),
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
