//! The complainant's web page (built from `web/` into `web/dist/`, embedded at compile time,
//! or read from `web_dir`): a handful of static files with a strict Content-Security-Policy,
//! so the page can load only its own script, style and worker, talk only to this origin, and
//! be framed by nobody.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::error::ApiError;

/// What the page may do. `wasm-unsafe-eval` lets it compile the Argon2id WebAssembly it
/// ships (no `eval` of strings); everything else is this origin only, or nothing.
pub const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
worker-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' blob:; \
media-src 'self' blob:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// One embedded file: its path under `/`, media type and bytes.
pub struct PageFile {
    pub path: &'static str,
    pub media_type: &'static str,
    pub bytes: &'static [u8],
}

/// Every file of `web/dist/`; `manifest.json` lists their SHA-256 (see docs/architecture.md).
pub const FILES: &[PageFile] = &[
    PageFile {
        path: "index.html",
        media_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../../../web/dist/index.html"),
    },
    PageFile {
        path: "app.js",
        media_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../web/dist/app.js"),
    },
    PageFile {
        path: "worker.js",
        media_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../web/dist/worker.js"),
    },
    PageFile {
        path: "style.css",
        media_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../web/dist/style.css"),
    },
    PageFile {
        path: "favicon.svg",
        media_type: "image/svg+xml",
        bytes: include_bytes!("../../../web/dist/favicon.svg"),
    },
    PageFile {
        path: "manifest.json",
        media_type: "application/json",
        bytes: include_bytes!("../../../web/dist/manifest.json"),
    },
];

/// Where the page's files come from: the copy compiled in, or a directory (`web_dir`).
#[derive(Clone, Debug)]
pub enum Source {
    Embedded,
    Dir(std::sync::Arc<std::path::Path>),
}

impl Source {
    /// Refuses, at start, a `web_dir` that lacks one of the page's files.
    pub fn from_config(dir: Option<&std::path::Path>) -> Result<Source, String> {
        let Some(dir) = dir else {
            return Ok(Source::Embedded);
        };
        for f in FILES {
            if !dir.join(f.path).is_file() {
                return Err(format!(
                    "web_dir {} has no {}: point it at a build of web/ (npm run build writes web/dist), or remove the setting to serve the embedded page",
                    dir.display(),
                    f.path
                ));
            }
        }
        Ok(Source::Dir(dir.into()))
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/").route(web::get().to(|src: web::Data<Source>| serve(src, "index.html"))),
    );
    for f in FILES {
        let path = f.path;
        cfg.service(
            web::resource(format!("/{path}"))
                .route(web::get().to(move |src: web::Data<Source>| serve(src, path))),
        );
    }
}

/// The same file names either way; from a directory, read at each request, so what is on
/// disk is what is served (and what `amanat audit web` checks).
async fn serve(src: web::Data<Source>, path: &'static str) -> Result<HttpResponse, ApiError> {
    let Some(f) = FILES.iter().find(|f| f.path == path) else {
        return Err(ApiError::not_found());
    };
    let body = match src.get_ref() {
        Source::Embedded => web::Bytes::from_static(f.bytes),
        Source::Dir(dir) => {
            let file = dir.join(path);
            match web::block(move || std::fs::read(&file)).await {
                Ok(Ok(bytes)) => web::Bytes::from(bytes),
                Ok(Err(e)) => {
                    return Err(ApiError::not_found().logged(format!("web_dir file {path}: {e}")));
                }
                Err(e) => return Err(ApiError::internal(format!("blocking task failed: {e}"))),
            }
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, f.media_type))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header(("Cross-Origin-Opener-Policy", "same-origin"))
        .insert_header(("Cross-Origin-Resource-Policy", "same-origin"))
        .insert_header((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ))
        .body(body))
}
