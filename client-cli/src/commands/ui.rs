//! `amanat staff ui`: the staff workspace in a browser, served by this process on 127.0.0.1.
//! This process holds the unlocked staff key and does every decryption; the page only shows
//! what it is sent. Nothing is reachable from the network, and every request must carry the
//! cookie the one-time link set, the exact `Host`, and (to change anything) this `Origin`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::http::{StatusCode, header};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use age::secrecy::SecretString;
use amanat_client::api::{Api, Endpoint};
use amanat_client::progress::Silent;
use amanat_client::staff::{self as flows, Session};
use amanat_protocol::envelope::DocumentMeta;
use amanat_protocol::form::{EVENTS, Language};
use amanat_protocol::ids::{CaseId, DocumentId, StaffId};
use amanat_protocol::keys::StaffKeys;
use amanat_protocol::log::entry::Verdict;
use amanat_protocol::wire::{CaseStatus, CaseSummary, DocumentKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::cli::UiArgs;
use crate::commands::report::{self, CaseData, Format};
use crate::commands::{format_bytes, format_time, search, staff, wizard};
use crate::error::{CliError, Result};
use crate::i18n::Tr;

/// The page, embedded: no file is read at run time, no external font or script exists.
const INDEX: &str = include_str!("../../ui/index.html");
const SCRIPT: &str = include_str!("../../ui/ui.js");
const STYLE: &str = include_str!("../../ui/ui.css");

/// The page may run only its own script and style, talk only to this process, and show
/// decrypted documents only from this process.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; frame-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
/// A decrypted document is the complainant's bytes: shown sandboxed (no script, no
/// navigation), framed only by the page.
const DOCUMENT_CSP: &str = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'";
/// PDFs are shown by the browser's own viewer, which a sandboxed frame refuses to run.
const PDF_CSP: &str = "default-src 'none'; frame-ancestors 'self'";
/// The annex preview: its own inline style and SVG charts, nothing else.
const REPORT_CSP: &str =
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";

const COOKIE: &str = "amanat-ui";
/// Documents up to this size are decrypted when their case is opened (to learn their names
/// and show texts); larger ones only when previewed.
const EAGER: u64 = 16 * 1024 * 1024;
/// Larger documents are not decrypted into memory for a preview.
const PREVIEW_MAX: u64 = 256 * 1024 * 1024;
/// Shown inline by the browser; anything else is offered as a download.
const INLINE_TYPES: [&str; 7] = [
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "video/mp4",
    "video/webm",
    "text/plain",
];

/// An answer to the page that is not a success: a status and a JSON body.
#[derive(Debug)]
struct UiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl UiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        UiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn locked() -> Self {
        Self::new(
            StatusCode::LOCKED,
            "locked",
            "the workspace is locked; unlock it with your passphrase",
        )
    }

    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl From<CliError> for UiError {
    fn from(e: CliError) -> Self {
        // A 409 from the server says who changed what and when: the page shows it as is,
        // with a button to reload (the CLI's hint about `staff cases` does not apply here).
        if let Some(what) = e.message.strip_prefix("not changed: ") {
            return UiError::new(StatusCode::CONFLICT, "conflict", what);
        }
        let message = match e.hint {
            Some(h) => format!("{} ({h})", e.message),
            None => e.message,
        };
        UiError::new(StatusCode::UNPROCESSABLE_ENTITY, "failed", message)
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl actix_web::ResponseError for UiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status)
            .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
            .json(json!({"error": self.code, "message": self.message}))
    }
}

type Reply = std::result::Result<HttpResponse, UiError>;

/// One row of the case list: the server's metadata and what the decrypted form says.
#[derive(Clone, Serialize)]
struct Row {
    id: String,
    status: CaseStatus,
    version: i64,
    assignee: Option<String>,
    received_at: i64,
    received: String,
    form: bool,
    form_error: bool,
    poa: bool,
    /// "accepted", "rejected" or none: the verdict that stands in the log.
    ack: Option<&'static str>,
    name: String,
    city: String,
    events: Vec<String>,
    labels: Vec<String>,
}

/// The decrypted documents of the case open in the page (one at a time; dropped on lock).
struct OpenDocs {
    case: CaseId,
    docs: HashMap<DocumentId, (DocumentMeta, Zeroizing<Vec<u8>>)>,
}

#[derive(Default)]
struct Cache {
    loaded: bool,
    rows: Vec<Row>,
    data: Vec<CaseData>,
    reviewers: Vec<(String, String)>,
    open: Option<OpenDocs>,
}

struct Ui {
    host: String,
    origin: String,
    token: Mutex<Option<String>>,
    cookie: String,
    key_path: PathBuf,
    idle: Duration,
    session: Mutex<Session>,
    keys: Mutex<Option<Arc<StaffKeys>>>,
    cache: Mutex<Cache>,
    activity: Mutex<Instant>,
    lang: Mutex<Language>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another request must not lock the reviewer out of their own workspace.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 256 bits from the operating system, for the link's token and the cookie.
fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    amanat_protocol::encoding::b64url(&b)
}

/// Byte strings equal in time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `15m`, `90s`, `1h` or plain seconds.
pub fn parse_idle(s: &str) -> Result<Duration> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| CliError::new(format!("--idle-lock {s:?}: give e.g. 15m, 90s or 1h")))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => {
            return Err(CliError::new(format!(
                "--idle-lock {s:?}: the unit is s, m or h"
            )));
        }
    };
    if secs == 0 {
        return Err(CliError::new("--idle-lock must be at least 1s"));
    }
    Ok(Duration::from_secs(secs))
}

impl Ui {
    fn touch(&self) {
        *lock(&self.activity) = Instant::now();
    }

    fn keys(&self) -> std::result::Result<Arc<StaffKeys>, UiError> {
        lock(&self.keys).clone().ok_or_else(UiError::locked)
    }

    fn locked(&self) -> bool {
        lock(&self.keys).is_none()
    }

    /// Drops the key and everything decrypted. Requests already running finish with what
    /// they hold, then that too is gone.
    fn lock_now(&self) {
        *lock(&self.keys) = None;
        *lock(&self.cache) = Cache::default();
    }

    fn tr(&self) -> std::result::Result<Tr, UiError> {
        Ok(Tr::new(*lock(&self.lang))?)
    }

    /// A client with a live token: the staff session is renewed with the key when it is
    /// about to expire, so a long triage is not interrupted.
    fn api(&self, keys: &StaffKeys) -> Result<Api> {
        let mut s = lock(&self.session);
        if s.expires_at - amanat_client::now() < 60 {
            let endpoint = Endpoint::new(&s.server, s.server_cert.as_deref(), s.proxy.as_deref())?;
            let signed = flows::login(keys, &endpoint, s.server_cert.as_deref(), s.root()?, 0)?;
            *s = signed.session;
        }
        s.api()
    }

    fn load(&self, keys: &StaffKeys) -> Result<()> {
        let api = self.api(keys)?;
        let session = lock(&self.session).clone();
        let keyring = session.keyring(&api)?;
        let verdicts = amanat_client::log::verdicts(&api, session.root()?)?;
        let tr = Tr::new(*lock(&self.lang))?;
        let mut rows = Vec::new();
        let mut data = Vec::new();
        for summary in api.cases()? {
            let Some(c) = report::load_case(&api, keys, summary.case_id, &verdicts)? else {
                continue;
            };
            rows.push(row(&summary, &c, &tr));
            data.push(c);
        }
        let reviewers = keyring
            .keyring()
            .reviewers()
            .map(|m| (m.public.id.to_string(), m.public.name.clone()))
            .collect();
        *lock(&self.cache) = Cache {
            loaded: true,
            rows,
            data,
            reviewers,
            open: None,
        };
        Ok(())
    }

    fn update_row(&self, s: &CaseSummary) {
        let mut cache = lock(&self.cache);
        if let Some(r) = cache
            .rows
            .iter_mut()
            .find(|r| r.id == s.case_id.to_string())
        {
            r.status = s.status;
            r.version = s.version;
            r.assignee = s.assignee.as_ref().map(ToString::to_string);
        }
    }

    fn set_verdict(&self, case: CaseId, verdict: Verdict) {
        let mut cache = lock(&self.cache);
        if let Some(r) = cache.rows.iter_mut().find(|r| r.id == case.to_string()) {
            r.ack = Some(verdict_word(verdict));
        }
        if let Some(c) = cache.data.iter_mut().find(|c| c.case_id == case) {
            c.verdict = Some(verdict);
        }
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Accepted => "accepted",
        Verdict::Rejected(_) => "rejected",
    }
}

fn row(s: &CaseSummary, c: &CaseData, tr: &Tr) -> Row {
    let form = c.form.as_ref();
    Row {
        id: s.case_id.to_string(),
        status: s.status,
        version: s.version,
        assignee: s.assignee.as_ref().map(ToString::to_string),
        received_at: s.received_at,
        received: format_time(s.received_at),
        form: form.is_some(),
        form_error: c.form_error.is_some(),
        poa: c.has_poa,
        ack: c.verdict.map(verdict_word),
        name: form.map(|f| f.full_name()).unwrap_or_default(),
        city: form
            .and_then(|f| f.identity.city.clone())
            .unwrap_or_default(),
        events: form
            .map(|f| {
                let mut e: Vec<String> = f.incidents.iter().map(|i| i.event.clone()).collect();
                e.dedup();
                e.iter().map(|code| tr.item("event", code)).collect()
            })
            .unwrap_or_default(),
        labels: c.labels.clone(),
    }
}

/// The form's summary text as sections of (label, value) rows, for a table.
fn sections(text: &str) -> Vec<Value> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines() {
        if let Some(field) = line.strip_prefix("  ") {
            let (label, value) = field.split_once(": ").unwrap_or(("", field));
            match out.last_mut() {
                Some((_, rows)) => rows.push((label.trim().to_owned(), value.to_owned())),
                None => out.push((String::new(), vec![(label.to_owned(), value.to_owned())])),
            }
        } else if let Some(title) = line.strip_suffix(':') {
            out.push((title.to_owned(), Vec::new()));
        } else if let Some((_, rows)) = out.last_mut()
            && let Some(last) = rows.last_mut()
        {
            // A value that spans lines.
            last.1.push('\n');
            last.1.push_str(line);
        }
    }
    out.into_iter()
        .map(|(title, rows)| json!({"title": title, "rows": rows}))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Requests: every one is checked here before anything else happens.

fn cookie_of(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get(header::COOKIE)?.to_str().ok()?;
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == COOKIE).then(|| v.to_owned())
    })
}

/// The `Host` must be this listener (a DNS-rebinding page has another name), the cookie the
/// one the link set, and a change must come from this page's own origin.
fn check(ui: &Ui, req: &HttpRequest, change: bool) -> std::result::Result<(), UiError> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if host != ui.host {
        return Err(UiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "wrong_host",
            format!("this workspace answers only to {}", ui.host),
        ));
    }
    let ok = cookie_of(req).is_some_and(|c| same(c.as_bytes(), ui.cookie.as_bytes()));
    if !ok {
        return Err(UiError::new(
            StatusCode::UNAUTHORIZED,
            "no_session",
            "open the link `amanat staff ui` printed; a link works once",
        ));
    }
    if change {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if origin != ui.origin {
            return Err(UiError::new(
                StatusCode::FORBIDDEN,
                "wrong_origin",
                "changes are accepted only from the workspace page itself",
            ));
        }
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        if !json {
            return Err(UiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not_json",
                "send application/json",
            ));
        }
    }
    Ok(())
}

fn body<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> std::result::Result<T, UiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| UiError::bad(format!("the request is not valid: {e}")))
}

/// Runs `f` on the blocking pool (it talks to the server and decrypts) with the key.
async fn work<R: Send + 'static>(
    ui: &web::Data<Ui>,
    f: impl FnOnce(&Ui, &StaffKeys) -> std::result::Result<R, UiError> + Send + 'static,
) -> std::result::Result<R, UiError> {
    let keys = ui.keys()?;
    ui.touch();
    let ui = ui.clone().into_inner();
    web::block(move || f(&ui, &keys)).await.map_err(|_| {
        UiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "failed",
            "the work was interrupted",
        )
    })?
}

fn parse_case(s: &str) -> std::result::Result<CaseId, UiError> {
    s.parse()
        .map_err(|_| UiError::bad(format!("{s:?} is not a case id")))
}

fn parse_doc(s: &str) -> std::result::Result<DocumentId, UiError> {
    s.parse()
        .map_err(|_| UiError::bad(format!("{s:?} is not a document id")))
}

fn page(content_type: &str, text: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .body(text)
}

async fn index(ui: web::Data<Ui>, req: HttpRequest) -> Reply {
    check(&ui, &req, false)?;
    Ok(page("text/html; charset=utf-8", INDEX))
}

async fn script(ui: web::Data<Ui>, req: HttpRequest) -> Reply {
    check(&ui, &req, false)?;
    Ok(page("text/javascript; charset=utf-8", SCRIPT))
}

async fn style(ui: web::Data<Ui>, req: HttpRequest) -> Reply {
    check(&ui, &req, false)?;
    Ok(page("text/css; charset=utf-8", STYLE))
}

#[derive(Deserialize)]
struct LoginQuery {
    token: String,
}

/// The link's one-time token becomes a cookie the page cannot read (`HttpOnly`) and no other
/// site can send (`SameSite=Strict`); the token is then spent.
async fn login(ui: web::Data<Ui>, req: HttpRequest, q: web::Query<LoginQuery>) -> Reply {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if host != ui.host {
        return Err(UiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "wrong_host",
            format!("this workspace answers only to {}", ui.host),
        ));
    }
    let mut token = lock(&ui.token);
    let valid = token
        .as_deref()
        .is_some_and(|t| same(t.as_bytes(), q.token.as_bytes()));
    if !valid {
        return Err(UiError::new(
            StatusCode::UNAUTHORIZED,
            "link_used",
            "this link was already used or is wrong; start `amanat staff ui` again for a new one",
        ));
    }
    *token = None;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .insert_header((
            header::SET_COOKIE,
            format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", ui.cookie),
        ))
        .finish())
}

fn strings(tr: &Tr) -> serde_json::Map<String, Value> {
    let en = crate::i18n::FILES
        .iter()
        .find(|(l, _, _)| *l == Language::En)
        .map(|(_, _, text)| *text)
        .unwrap_or("");
    en.lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .filter(|k| k.starts_with("ui-") || k.starts_with("event-"))
        .map(|k| (k.to_owned(), Value::String(tr.get(k))))
        .collect()
}

async fn state(ui: web::Data<Ui>, req: HttpRequest) -> Reply {
    check(&ui, &req, false)?;
    let tr = ui.tr()?;
    let session = lock(&ui.session).clone();
    Ok(HttpResponse::Ok().json(json!({
        "locked": ui.locked(),
        "staff": session.staff_id,
        "server": session.server,
        "lang": tr.lang.as_str(),
        "idle_secs": ui.idle.as_secs(),
        "strings": strings(&tr),
        "statuses": CaseStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "events": EVENTS,
    })))
}

#[derive(Deserialize)]
struct LangBody {
    lang: String,
}

async fn set_lang(ui: web::Data<Ui>, req: HttpRequest, b: web::Bytes) -> Reply {
    check(&ui, &req, true)?;
    let l: LangBody = body(&b)?;
    let lang =
        Language::from_tag(&l.lang).ok_or_else(|| UiError::bad("the language is kk, ru or en"))?;
    *lock(&ui.lang) = lang;
    // Event labels in the list follow the language.
    let tr = ui.tr()?;
    let mut cache = lock(&ui.cache);
    let Cache { rows, data, .. } = &mut *cache;
    for (r, c) in rows.iter_mut().zip(data.iter()) {
        r.events = row(&summary_of(r), c, &tr).events;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The fields of a row `row` needs again, as a summary.
fn summary_of(r: &Row) -> CaseSummary {
    CaseSummary {
        case_id: r.id.parse().unwrap_or_else(|_| CaseId::random()),
        status: r.status,
        version: r.version,
        assignee: r.assignee.as_deref().and_then(|a| a.parse().ok()),
        documents: Vec::new(),
        received_at: r.received_at,
    }
}

#[derive(Deserialize)]
struct UnlockBody {
    passphrase: String,
}

async fn unlock(ui: web::Data<Ui>, req: HttpRequest, b: web::Bytes) -> Reply {
    check(&ui, &req, true)?;
    let u: UnlockBody = body(&b)?;
    let passphrase = SecretString::from(u.passphrase);
    let path = ui.key_path.clone();
    let keys = web::block(move || -> Result<StaffKeys> {
        let bytes =
            std::fs::read(&path).map_err(|e| CliError::file("read the staff key", &path, e))?;
        Ok(StaffKeys::open(&passphrase, bytes.as_slice())?)
    })
    .await
    .map_err(|_| UiError::new(StatusCode::INTERNAL_SERVER_ERROR, "failed", "interrupted"))?;
    match keys {
        Ok(k) => {
            *lock(&ui.keys) = Some(Arc::new(k));
            ui.touch();
            Ok(HttpResponse::NoContent().finish())
        }
        Err(_) => Err(UiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong_passphrase",
            ui.tr()?.get("ui-wrong-passphrase"),
        )),
    }
}

async fn lock_route(ui: web::Data<Ui>, req: HttpRequest) -> Reply {
    check(&ui, &req, true)?;
    ui.lock_now();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    refresh: bool,
}

async fn cases(ui: web::Data<Ui>, req: HttpRequest, q: web::Query<ListQuery>) -> Reply {
    check(&ui, &req, false)?;
    let refresh = q.refresh;
    let rows = work(&ui, move |ui, keys| {
        if refresh || !lock(&ui.cache).loaded {
            ui.load(keys)?;
        }
        let cache = lock(&ui.cache);
        Ok(json!({"rows": cache.rows, "reviewers": cache.reviewers}))
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: String,
}

/// The CLI's transliteration-insensitive search, over the forms decrypted in this process.
async fn search_route(ui: web::Data<Ui>, req: HttpRequest, q: web::Query<SearchQuery>) -> Reply {
    check(&ui, &req, false)?;
    ui.keys()?;
    ui.touch();
    let cache = lock(&ui.cache);
    let ids: Vec<String> = search::search(&cache.data, &q.q)
        .into_iter()
        .map(|h| h.case)
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "ids": ids })))
}

async fn case(ui: web::Data<Ui>, req: HttpRequest, path: web::Path<String>) -> Reply {
    check(&ui, &req, false)?;
    let case = parse_case(&path)?;
    let view = work(&ui, move |ui, keys| case_view(ui, keys, case)).await?;
    Ok(HttpResponse::Ok().json(view))
}

fn case_view(ui: &Ui, keys: &StaffKeys, case: CaseId) -> std::result::Result<Value, UiError> {
    let api = ui.api(keys)?;
    let opened = flows::open_case(&api, keys, case)?;
    let tr = Tr::new(*lock(&ui.lang))?;
    let mut docs = HashMap::new();
    let mut listed = Vec::new();
    for d in &opened.detail.documents {
        let mut entry = json!({
            "id": d.document_id.to_string(),
            "kind": d.kind.as_str(),
            "size": format_bytes(d.length),
            "received": format_time(d.received_at),
            "preview": d.length <= PREVIEW_MAX,
        });
        if d.length <= EAGER {
            let mut out = Zeroizing::new(Vec::new());
            match flows::decrypt_document(&api, keys, &opened, d, &mut *out, &mut Silent)? {
                None => entry["not_for_you"] = json!(true),
                Some(meta) if meta.media_type == flows::LABELS_TYPE => {
                    // Labels are shown as labels, not as a note.
                    entry["labels_note"] = json!(true);
                }
                Some(meta) => {
                    entry["name"] = json!(meta.name);
                    entry["media_type"] = json!(meta.media_type);
                    if matches!(d.kind, DocumentKind::Note | DocumentKind::Reply) {
                        entry["text"] = json!(String::from_utf8_lossy(&out));
                    }
                    docs.insert(d.document_id, (meta, out));
                }
            }
        }
        listed.push(entry);
    }
    let form = lock(&ui.cache)
        .data
        .iter()
        .find(|c| c.case_id == case)
        .and_then(|c| c.form.as_ref().map(|f| sections(&wizard::summary(&tr, f))));
    let activity: Vec<Value> = api
        .activity(case)
        .map(|list| {
            list.into_iter()
                .map(|a| json!({"at": format_time(a.at), "actor": a.actor.to_string(), "detail": a.detail}))
                .collect()
        })
        .unwrap_or_default();
    let d = &opened.detail;
    let view = json!({
        "id": d.case_id.to_string(),
        "status": d.status,
        "version": d.version,
        "assignee": d.assignee.as_ref().map(ToString::to_string),
        "received": format_time(d.received_at),
        "form": form,
        "labels": lock(&ui.cache)
            .data
            .iter()
            .find(|c| c.case_id == case)
            .map(|c| c.labels.clone())
            .unwrap_or_default(),
        "documents": listed,
        "activity": activity,
    });
    lock(&ui.cache).open = Some(OpenDocs { case, docs });
    Ok(view)
}

async fn document(ui: web::Data<Ui>, req: HttpRequest, path: web::Path<(String, String)>) -> Reply {
    check(&ui, &req, false)?;
    let (case, doc) = (parse_case(&path.0)?, parse_doc(&path.1)?);
    let (meta, bytes) = work(&ui, move |ui, keys| {
        if let Some(open) = &lock(&ui.cache).open
            && open.case == case
            && let Some((meta, bytes)) = open.docs.get(&doc)
        {
            return Ok((meta.clone(), bytes.clone()));
        }
        let api = ui.api(keys)?;
        let opened = flows::open_case(&api, keys, case)?;
        let info = opened
            .detail
            .documents
            .iter()
            .find(|d| d.document_id == doc)
            .ok_or_else(|| UiError::new(StatusCode::NOT_FOUND, "not_found", "no such document"))?;
        if info.length > PREVIEW_MAX {
            return Err(UiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                ui.tr()?.get("ui-too-large"),
            ));
        }
        let mut out = Zeroizing::new(Vec::new());
        match flows::decrypt_document(&api, keys, &opened, info, &mut *out, &mut Silent)? {
            Some(meta) => Ok((meta, out)),
            None => Err(UiError::new(
                StatusCode::NOT_FOUND,
                "not_for_you",
                ui.tr()?.get("ui-not-for-you"),
            )),
        }
    })
    .await?;
    let base = meta
        .media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut res = HttpResponse::Ok();
    if INLINE_TYPES.contains(&base.as_str()) {
        let ct = if base == "text/plain" {
            "text/plain; charset=utf-8".to_owned()
        } else {
            base.clone()
        };
        res.content_type(ct).insert_header((
            header::CONTENT_SECURITY_POLICY,
            if base == "application/pdf" {
                PDF_CSP
            } else {
                DOCUMENT_CSP
            },
        ));
    } else {
        // Never rendered here: HTML or SVG from a complainant would run in this origin.
        res.content_type("application/octet-stream")
            .insert_header((header::CONTENT_DISPOSITION, "attachment"))
            .insert_header((header::CONTENT_SECURITY_POLICY, DOCUMENT_CSP));
    }
    Ok(res.body(bytes.to_vec()))
}

#[derive(Deserialize)]
struct StatusBody {
    status: String,
    version: i64,
}

async fn set_status(
    ui: web::Data<Ui>,
    req: HttpRequest,
    path: web::Path<String>,
    b: web::Bytes,
) -> Reply {
    check(&ui, &req, true)?;
    let case = parse_case(&path)?;
    let s: StatusBody = body(&b)?;
    let status: CaseStatus = s
        .status
        .parse()
        .map_err(|_| UiError::bad("unknown status"))?;
    let summary = work(&ui, move |ui, keys| {
        let api = ui.api(keys)?;
        Ok(flows::set_status(&api, case, status, Some(s.version))?)
    })
    .await?;
    ui.update_row(&summary);
    Ok(HttpResponse::Ok().json(json!({"status": summary.status, "version": summary.version})))
}

#[derive(Deserialize)]
struct AssignBody {
    assignee: Option<String>,
    version: i64,
}

async fn set_assignee(
    ui: web::Data<Ui>,
    req: HttpRequest,
    path: web::Path<String>,
    b: web::Bytes,
) -> Reply {
    check(&ui, &req, true)?;
    let case = parse_case(&path)?;
    let a: AssignBody = body(&b)?;
    let to: Option<StaffId> = a
        .assignee
        .filter(|s| !s.is_empty())
        .map(|s| s.parse())
        .transpose()
        .map_err(|_| UiError::bad("not a staff id"))?;
    let summary = work(&ui, move |ui, keys| {
        let api = ui.api(keys)?;
        let keyring = lock(&ui.session).clone().keyring(&api)?;
        Ok(flows::assign(
            &api,
            &keyring,
            case,
            to.as_ref(),
            Some(a.version),
        )?)
    })
    .await?;
    ui.update_row(&summary);
    Ok(HttpResponse::Ok().json(json!({"assignee": summary.assignee, "version": summary.version})))
}

#[derive(Deserialize)]
struct TextBody {
    text: String,
}

async fn post_text(
    ui: web::Data<Ui>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    b: web::Bytes,
) -> Reply {
    check(&ui, &req, true)?;
    let case = parse_case(&path.0)?;
    let kind = match path.1.as_str() {
        "note" => DocumentKind::Note,
        "reply" => DocumentKind::Reply,
        _ => {
            return Err(UiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such route",
            ));
        }
    };
    let t: TextBody = body(&b)?;
    work(&ui, move |ui, keys| {
        let api = ui.api(keys)?;
        let keyring = lock(&ui.session).clone().keyring(&api)?;
        flows::post_text(&api, &keyring, keys, case, kind, t.text.as_bytes())?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct LabelsBody {
    labels: Vec<String>,
}

/// Replaces the case's labels with a new labels note, sealed to every reviewer.
async fn set_labels(
    ui: web::Data<Ui>,
    req: HttpRequest,
    path: web::Path<String>,
    b: web::Bytes,
) -> Reply {
    check(&ui, &req, true)?;
    let case = parse_case(&path)?;
    let l: LabelsBody = body(&b)?;
    let labels = work(&ui, move |ui, keys| {
        let api = ui.api(keys)?;
        let keyring = lock(&ui.session).clone().keyring(&api)?;
        let labels = flows::set_labels(&api, &keyring, case, &l.labels)?;
        let mut cache = lock(&ui.cache);
        if let Some(r) = cache.rows.iter_mut().find(|r| r.id == case.to_string()) {
            r.labels = labels.clone();
        }
        if let Some(c) = cache.data.iter_mut().find(|c| c.case_id == case) {
            c.labels = labels.clone();
        }
        Ok(labels)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "labels": labels })))
}

#[derive(Deserialize)]
struct ShareBody {
    to: String,
}

async fn share(
    ui: web::Data<Ui>,
    req: HttpRequest,
    path: web::Path<String>,
    b: web::Bytes,
) -> Reply {
    check(&ui, &req, true)?;
    let case = parse_case(&path)?;
    let s: ShareBody = body(&b)?;
    let to: StaffId = s.to.parse().map_err(|_| UiError::bad("not a staff id"))?;
    work(&ui, move |ui, keys| {
        let api = ui.api(keys)?;
        let keyring = lock(&ui.session).clone().keyring(&api)?;
        flows::share(&api, keys, case, &to, &keyring)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Shares every case this reviewer can open with a colleague (a new reviewer, say).
async fn rekey(ui: web::Data<Ui>, req: HttpRequest, b: web::Bytes) -> Reply {
    check(&ui, &req, true)?;
    let s: ShareBody = body(&b)?;
    let to: StaffId = s.to.parse().map_err(|_| UiError::bad("not a staff id"))?;
    let (shared, skipped) = work(&ui, move |ui, keys| {
        let api = ui.api(keys)?;
        let keyring = lock(&ui.session).clone().keyring(&api)?;
        Ok(flows::rekey(&api, keys, &to, &keyring)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "shared": shared, "skipped": skipped })))
}

#[derive(Deserialize)]
struct AckBody {
    document: Option<String>,
    /// A rejection's reason number; absent to accept.
    reject: Option<u16>,
}

/// Signs the verdict with the key held here and checks the receipt the log gives back.
fn acknowledge(
    ui: &Ui,
    keys: &StaffKeys,
    case: CaseId,
    doc: Option<DocumentId>,
    verdict: Verdict,
) -> std::result::Result<u64, UiError> {
    let doc = match doc {
        Some(d) => d,
        None => lock(&ui.cache)
            .data
            .iter()
            .find(|c| c.case_id == case)
            .and_then(|c| c.poas.last().copied())
            .ok_or_else(|| UiError::bad("this case has no power of attorney"))?,
    };
    let api = ui.api(keys)?;
    let session = lock(&ui.session).clone();
    let done = flows::acknowledge(&api, &session, keys, case, doc, verdict)?;
    ui.set_verdict(case, verdict);
    Ok(done.verified.index)
}

async fn ack(ui: web::Data<Ui>, req: HttpRequest, path: web::Path<String>, b: web::Bytes) -> Reply {
    check(&ui, &req, true)?;
    let case = parse_case(&path)?;
    let a: AckBody = body(&b)?;
    let doc = a.document.as_deref().map(parse_doc).transpose()?;
    let verdict = match a.reject {
        Some(r) => Verdict::Rejected(r),
        None => Verdict::Accepted,
    };
    let index = work(&ui, move |ui, keys| {
        acknowledge(ui, keys, case, doc, verdict)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "index": index })))
}

#[derive(Deserialize)]
struct BatchBody {
    cases: Vec<String>,
}

async fn ack_batch(ui: web::Data<Ui>, req: HttpRequest, b: web::Bytes) -> Reply {
    check(&ui, &req, true)?;
    let batch: BatchBody = body(&b)?;
    if batch.cases.len() > 10_000 {
        return Err(UiError::bad("at most 10 000 cases at once"));
    }
    let ids = batch
        .cases
        .iter()
        .map(|c| parse_case(c))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let results = work(&ui, move |ui, keys| {
        Ok(ids
            .into_iter()
            .map(
                |case| match acknowledge(ui, keys, case, None, Verdict::Accepted) {
                    Ok(index) => json!({"case": case.to_string(), "ok": true, "index": index}),
                    Err(e) => json!({"case": case.to_string(), "ok": false, "message": e.message}),
                },
            )
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "results": results })))
}

#[derive(Deserialize)]
struct FolderBody {
    folder: String,
}

fn folder(s: &str) -> std::result::Result<PathBuf, UiError> {
    let p = Path::new(s.trim());
    if s.trim().is_empty() || !p.is_absolute() {
        return Err(UiError::bad(
            "give the folder as a full path, e.g. /home/aigerim/cases/new-folder",
        ));
    }
    Ok(p.to_owned())
}

async fn download(
    ui: web::Data<Ui>,
    req: HttpRequest,
    path: web::Path<String>,
    b: web::Bytes,
) -> Reply {
    check(&ui, &req, true)?;
    let case = parse_case(&path)?;
    let f: FolderBody = body(&b)?;
    let out = folder(&f.folder)?;
    let files = work(&ui, move |ui, keys| {
        let api = ui.api(keys)?;
        let written = staff::open(&api, keys, &case.to_string(), &out, true)?;
        Ok(written
            .into_iter()
            .map(|(_, p)| p.display().to_string())
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "files": files })))
}

fn figures(ui: &Ui) -> std::result::Result<(report::Figures, Tr), UiError> {
    let tr = ui.tr()?;
    let cache = lock(&ui.cache);
    if !cache.loaded {
        return Err(UiError::bad("open the case list first"));
    }
    Ok((report::figures(&cache.data, &tr)?, tr))
}

async fn report_html(ui: web::Data<Ui>, req: HttpRequest) -> Reply {
    check(&ui, &req, false)?;
    ui.keys()?;
    ui.touch();
    let (f, tr) = figures(&ui)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, REPORT_CSP))
        .body(report::render_html(&f, &tr)))
}

async fn report_export(ui: web::Data<Ui>, req: HttpRequest, b: web::Bytes) -> Reply {
    check(&ui, &req, true)?;
    let f: FolderBody = body(&b)?;
    let out = folder(&f.folder)?;
    let files = work(&ui, move |ui, keys| {
        let (f, tr) = figures(ui)?;
        let formats = [Format::Md, Format::Csv, Format::Html, Format::Json];
        Ok(report::write(&f, &tr, keys, &out, &formats, false)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "files": files })))
}

async fn not_found() -> Reply {
    Err(UiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such page",
    ))
}

/// `amanat staff ui`.
pub fn run(args: &UiArgs) -> Result<()> {
    let session = staff::load_session(&args.session)?;
    let idle = parse_idle(&args.idle_lock)?;
    let lang = crate::i18n::choose(args.lang.as_deref())?;
    let keys = staff::load_keys(&args.key)?;
    let listener = TcpListener::bind(("127.0.0.1", args.port.unwrap_or(0)))
        .map_err(|e| CliError::new(format!("cannot listen on 127.0.0.1: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| CliError::new(e.to_string()))?
        .port();
    let token = random_token();
    let ui = web::Data::new(Ui {
        host: format!("127.0.0.1:{port}"),
        origin: format!("http://127.0.0.1:{port}"),
        token: Mutex::new(Some(token.clone())),
        cookie: random_token(),
        key_path: args.key.key.clone(),
        idle,
        session: Mutex::new(session),
        keys: Mutex::new(Some(Arc::new(keys))),
        cache: Mutex::new(Cache::default()),
        activity: Mutex::new(Instant::now()),
        lang: Mutex::new(lang),
    });
    let url = format!("http://127.0.0.1:{port}/login?token={token}");
    println!("Staff workspace: {url}");
    println!(
        "It opens once, in one browser; it locks after {} without use. Press Ctrl-C here to stop it.",
        args.idle_lock
    );
    if !args.no_open {
        // Best effort: a desktop opens the link; otherwise the person copies it.
        let _ = std::process::Command::new("xdg-open")
            .arg(&url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
    let watcher = ui.clone().into_inner();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(500));
            if !watcher.locked() && lock(&watcher.activity).elapsed() >= watcher.idle {
                watcher.lock_now();
                eprintln!("Locked after {} without use.", format_idle(watcher.idle));
            }
        }
    });
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(ui.clone())
                .app_data(web::PayloadConfig::new(1024 * 1024))
                .wrap(
                    actix_web::middleware::DefaultHeaders::new()
                        .add((header::CACHE_CONTROL, "no-store"))
                        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                        .add((header::REFERRER_POLICY, "no-referrer"))
                        .add(("Cross-Origin-Opener-Policy", "same-origin"))
                        .add(("Cross-Origin-Resource-Policy", "same-origin")),
                )
                .route("/", web::get().to(index))
                .route("/ui.js", web::get().to(script))
                .route("/ui.css", web::get().to(style))
                .route("/login", web::get().to(login))
                .route("/api/state", web::get().to(state))
                .route("/api/lang", web::post().to(set_lang))
                .route("/api/unlock", web::post().to(unlock))
                .route("/api/lock", web::post().to(lock_route))
                .route("/api/cases", web::get().to(cases))
                .route("/api/search", web::get().to(search_route))
                .route("/api/ack-batch", web::post().to(ack_batch))
                .route("/api/rekey", web::post().to(rekey))
                .route("/api/report.html", web::get().to(report_html))
                .route("/api/report", web::post().to(report_export))
                .route("/api/cases/{case}", web::get().to(case))
                .route("/api/cases/{case}/documents/{doc}", web::get().to(document))
                .route("/api/cases/{case}/status", web::post().to(set_status))
                .route("/api/cases/{case}/assignee", web::post().to(set_assignee))
                .route("/api/cases/{case}/share", web::post().to(share))
                .route("/api/cases/{case}/labels", web::post().to(set_labels))
                .route("/api/cases/{case}/ack", web::post().to(ack))
                .route("/api/cases/{case}/download", web::post().to(download))
                .route("/api/cases/{case}/text/{kind}", web::post().to(post_text))
                .default_service(web::to(not_found))
        })
        .workers(2)
        .listen(listener)
        .map_err(|e| CliError::new(format!("cannot serve the workspace: {e}")))?
        .run()
        .await
        .map_err(|e| CliError::new(format!("the workspace stopped: {e}")))
    })
}

fn format_idle(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(3600) {
        format!("{} h", s / 3600)
    } else if s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_times() {
        assert_eq!(parse_idle("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_idle("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_idle("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_idle("45").unwrap(), Duration::from_secs(45));
        assert!(parse_idle("0").is_err());
        assert!(parse_idle("5d").is_err());
        assert!(parse_idle("m").is_err());
    }

    #[test]
    fn form_text_becomes_sections() {
        let s = sections("Identity:\n  Surname: Doe\n  Note: a: b\nIncident 1:\n  Place: x\ny");
        assert_eq!(s[0]["title"], "Identity");
        assert_eq!(s[0]["rows"][1][1], "a: b");
        assert_eq!(s[1]["rows"][0][1], "x\ny");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let req = actix_web::test::TestRequest::default()
            .insert_header((header::COOKIE, "a=1; amanat-ui=XYZ; b=2"))
            .to_http_request();
        assert_eq!(cookie_of(&req).as_deref(), Some("XYZ"));
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"ab", b"abc"));
    }
}
