//! The HTTP face of the services: actix-web app, middleware and error shape. Every response
//! carries HSTS, `no-store` and `nosniff`; the request log names only method, route pattern,
//! status and duration (never an address, header, query string or body).

mod error;
mod extractors;
mod handlers;
mod limits;
pub mod page;
mod routes;
mod timeouts;
mod uploads;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpRequest, web};

pub use error::ApiError;
pub use timeouts::Timeouts;
pub use uploads::spawn_collector as spawn_upload_collector;

use crate::service::Services;

/// JSON bodies are small (keyrings, grants, signatures); anything larger is an attack.
pub const JSON_LIMIT: usize = 1024 * 1024;

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::ContentType => ApiError::unsupported_media_type("application/json"),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("JSON bodies are limited to {JSON_LIMIT} bytes."),
            )
        }
        JsonPayloadError::Deserialize(e) => ApiError::bad_request(format!(
            "The JSON body does not have the expected shape: {e}."
        )),
        _ => ApiError::bad_request("The JSON body could not be read."),
    };
    api.logged(format!("json body: {err}")).into()
}

fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request("The path is not valid.")
        .logged(format!("path: {err}"))
        .into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    // serde's sentence names the parameter and what was wrong with it, never server state.
    let reason = match &err {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        _ => "it could not be read".to_owned(),
    };
    ApiError::bad_request(format!(
        "The query string is not valid ({reason}); see docs/protocol.md for this route's parameters."
    ))
    .logged(format!("query: {err}"))
    .into()
}

/// Builds the application around shared services.
pub fn app(
    services: web::Data<Services>,
    timeouts: Timeouts,
    page: page::Source,
) -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(services)
        .app_data(web::Data::new(timeouts))
        .app_data(web::Data::new(page))
        .app_data(
            web::JsonConfig::default()
                .limit(JSON_LIMIT)
                .content_type_required(true)
                .content_type(|m| m.essence_str().eq_ignore_ascii_case("application/json"))
                .error_handler(json_error),
        )
        .app_data(web::PayloadConfig::new(JSON_LIMIT))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .configure(routes::configure)
        .configure(page::configure)
        .default_service(web::to(handlers::not_found))
        // Bodies that arrive too slowly end as `408 timeout` (see timeouts.rs).
        .wrap(actix_web::middleware::from_fn(timeouts::limit_bodies))
        // Inside the error shape, headers and log, so that a 503 still gets all three.
        .wrap(actix_web::middleware::from_fn(limits::bound_in_flight))
        .wrap(ErrorHandlers::new().default_handler(error::json_errors))
        .wrap(
            DefaultHeaders::new()
                .add((header::STRICT_TRANSPORT_SECURITY, "max-age=63072000"))
                .add((header::CACHE_CONTROL, "no-store"))
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::REFERRER_POLICY, "no-referrer")),
        )
        .wrap_fn(|req, srv| {
            let start = Instant::now();
            let method = req.method().clone();
            let fut = srv.call(req);
            async move {
                let res = fut.await;
                let elapsed_ms = start.elapsed().as_millis();
                match &res {
                    Ok(r) => {
                        let route = r.request().match_pattern();
                        crate::metrics::global().request(
                            method.as_str(),
                            route.as_deref(),
                            r.status().as_u16(),
                            start.elapsed(),
                        );
                        tracing::info!(
                            %method,
                            route = route.as_deref().unwrap_or("<unmatched>"),
                            status = r.status().as_u16(),
                            elapsed_ms,
                            "request"
                        );
                    }
                    Err(e) => {
                        let status = e.as_response_error().status_code().as_u16();
                        crate::metrics::global().request(
                            method.as_str(),
                            None,
                            status,
                            start.elapsed(),
                        );
                        tracing::info!(%method, status, elapsed_ms, "request");
                    }
                }
                res
            }
        })
}

/// `GET /metrics` in the Prometheus text format, on its own plain-HTTP listener (loopback
/// only, checked by the config): one worker, no signals of its own, every other path `404`.
pub fn metrics_server(
    services: web::Data<Services>,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    async fn scrape(svc: web::Data<Services>) -> Result<actix_web::HttpResponse, ApiError> {
        let gauges = error::blocking(move || svc.metrics_gauges()).await?;
        Ok(actix_web::HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(crate::metrics::global().render(&gauges)))
    }
    Ok(actix_web::HttpServer::new(move || {
        App::new()
            .app_data(services.clone())
            .service(web::resource("/metrics").route(web::get().to(scrape)))
            .default_service(web::to(handlers::not_found))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run())
}
