//! `amanat witness`: a small C2SP tlog-witness a partner organisation runs. It keeps, per
//! log it follows, the last checkpoint it cosigned, and cosigns a new one only if it is
//! signed by that log and a consistency proof shows it extends the old one.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};
use amanat_protocol::encoding::{b64, from_b64, hex};
use amanat_protocol::log::checkpoint::Checkpoint;
use amanat_protocol::log::cosignature::{self, AddCheckpoint, WitnessKey};
use amanat_protocol::log::merkle;
use amanat_protocol::log::note::{self, NoteVerifier};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::cli::WitnessCommand;
use crate::commands::write_private;
use crate::error::{CliError, Result};

/// A request body larger than this is not a checkpoint and a proof.
const MAX_BODY: usize = 64 * 1024;

/// The witness's key file: its name and Ed25519 seed.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    name: String,
    seed: String,
}

/// What the witness remembers of one log.
#[derive(Serialize, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct LogState {
    size: u64,
    root: String,
}

struct Witness {
    name: String,
    key: SigningKey,
    logs: HashMap<String, NoteVerifier>,
    state: PathBuf,
    /// One checkpoint at a time: the state file is read, checked against and replaced.
    lock: Mutex<()>,
}

pub fn run(cmd: &WitnessCommand) -> Result<()> {
    match cmd {
        WitnessCommand::Keygen { name, out } => keygen(name, out),
        WitnessCommand::Serve {
            key,
            state,
            listen,
            logs,
        } => serve(key, state, listen, logs),
    }
}

fn keygen(name: &str, out: &Path) -> Result<()> {
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
    let key = SigningKey::from_bytes(&seed);
    let w = WitnessKey::new(name, key.verifying_key().to_bytes())
        .map_err(|e| CliError::new(format!("--name {name:?}: {e}")))?;
    let file = KeyFile {
        name: name.to_owned(),
        seed: b64(seed.as_slice()),
    };
    let bytes =
        Zeroizing::new(serde_json::to_vec_pretty(&file).map_err(|e| CliError::new(e.to_string()))?);
    write_private(out, &bytes, false)?;
    println!("witness key: {}", out.display());
    println!("verifier key: {w}");
    println!(
        "Give the verifier key to the foundation: `amanat admin keyring witness --add '{w}'`."
    );
    Ok(())
}

fn load_key(path: &Path) -> Result<(String, SigningKey)> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| CliError::file("read", path, e))?);
    let f: KeyFile = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::new(format!("{} is not a witness key: {e}", path.display()))
            .hint("make one with `amanat witness keygen --name … --out …`")
    })?;
    let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
        from_b64("witness seed", &f.seed)?
            .try_into()
            .map_err(|_| CliError::new("the witness seed is not 32 bytes"))?,
    );
    Ok((f.name, SigningKey::from_bytes(&seed)))
}

fn serve(key: &Path, state: &Path, listen: &str, logs: &[String]) -> Result<()> {
    let (name, key) = load_key(key)?;
    if logs.is_empty() {
        return Err(CliError::new("a witness must follow at least one log")
            .hint("pass --log with the log's verifier key, e.g. amanat.example/log+1a2b3c4d+AQ…"));
    }
    let mut by_origin = HashMap::new();
    for l in logs {
        let v = NoteVerifier::parse(l).map_err(|e| {
            CliError::new(format!("--log {l:?} is not a log verifier key: {e}")).hint(
                "it looks like origin+8 hex digits+base64, as `amanat audit` prints the log's key",
            )
        })?;
        by_origin.insert(v.name.clone(), v);
    }
    std::fs::create_dir_all(state).map_err(|e| CliError::file("create", state, e))?;
    let listener = TcpListener::bind(listen)
        .map_err(|e| CliError::new(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::new(e.to_string()))?;
    let public = WitnessKey::new(&name, key.verifying_key().to_bytes())
        .map_err(|e| CliError::new(e.to_string()))?;
    let witness = web::Data::new(Witness {
        name,
        key,
        logs: by_origin,
        state: state.to_owned(),
        lock: Mutex::new(()),
    });
    // Both lines in one write, so a reader that takes them and closes the pipe has both.
    let banner = format!("witness on http://{addr}\nverifier key: {public}\n");
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
    }
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(witness.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY))
                .route("/add-checkpoint", web::post().to(add_checkpoint))
                .default_service(web::to(|| async {
                    error(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        "This witness serves POST /add-checkpoint only.",
                    )
                    .respond()
                }))
        })
        .workers(1)
        .listen(listener)
        .map_err(|e| CliError::new(format!("cannot serve: {e}")))?
        .run()
        .await
        .map_err(|e| CliError::new(format!("the witness stopped: {e}")))
    })
}

/// An answer made on the blocking pool, turned into a response on the way out.
struct Answer {
    status: StatusCode,
    content_type: &'static str,
    body: String,
}

impl Answer {
    fn respond(self) -> HttpResponse {
        HttpResponse::build(self.status)
            .content_type(self.content_type)
            .body(self.body)
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Answer {
    Answer {
        status,
        content_type: "application/json",
        body: json!({ "error": code, "message": message }).to_string(),
    }
}

fn state_path(dir: &Path, origin: &str) -> PathBuf {
    dir.join(format!("{}.json", hex(&Sha256::digest(origin.as_bytes()))))
}

async fn add_checkpoint(w: web::Data<Witness>, body: web::Bytes) -> HttpResponse {
    match web::block(move || decide(&w, &body)).await {
        Ok(a) => a.respond(),
        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "busy", "Try again.").respond(),
    }
}

/// The tlog-witness rules: 400 for a malformed request, 404 for a log it does not follow,
/// 403 for a checkpoint that log did not sign, 409 (with its size) when the request starts
/// from another size than the one it holds, 422 when the new checkpoint does not extend it.
fn decide(w: &Witness, body: &[u8]) -> Answer {
    let Ok(text) = std::str::from_utf8(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The body is not UTF-8 text.",
        );
    };
    let req = match AddCheckpoint::parse(text) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", &e.to_string()),
    };
    let Some(origin) = req.checkpoint.lines().next() else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The checkpoint is empty.",
        );
    };
    let Some(verifier) = w.logs.get(origin) else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown_log",
            "This witness does not follow that log.",
        );
    };
    let cp_text = match note::open(&req.checkpoint, verifier) {
        Ok(t) => t,
        Err(e) => return error(StatusCode::FORBIDDEN, "bad_signature", &e.to_string()),
    };
    let cp = match Checkpoint::parse(cp_text) {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", &e.to_string()),
    };
    let _guard = w.lock.lock().unwrap_or_else(|e| e.into_inner());
    let path = state_path(&w.state, origin);
    let held: Option<LogState> = match std::fs::read(&path) {
        Ok(b) => match serde_json::from_slice(&b) {
            Ok(s) => Some(s),
            Err(_) => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "state",
                    "The witness's state is damaged.",
                );
            }
        },
        Err(_) => None,
    };
    let held_size = held.as_ref().map_or(0, |s| s.size);
    if req.old_size != held_size {
        return Answer {
            status: StatusCode::CONFLICT,
            content_type: "text/x.tlog.size",
            body: format!("{held_size}\n"),
        };
    }
    if cp.size < held_size {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The checkpoint is smaller than the old size.",
        );
    }
    if let Some(s) = &held {
        let Some(root) = from_b64("root", &s.root)
            .ok()
            .and_then(|r| <[u8; 32]>::try_from(r).ok())
        else {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "state",
                "The witness's state is damaged.",
            );
        };
        let consistent = if cp.size == s.size {
            req.proof.is_empty() && cp.root == root
        } else {
            merkle::verify_consistency(s.size, cp.size, &req.proof, &root, &cp.root).is_ok()
        };
        if !consistent {
            tracing_free_log(&format!(
                "refused a checkpoint of {} entries for {origin}: it does not extend the one of {} it cosigned",
                cp.size, s.size
            ));
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "inconsistent",
                "The checkpoint does not extend the one this witness cosigned before: the log forked or was rewritten.",
            );
        }
    }
    let new = LogState {
        size: cp.size,
        root: b64(&cp.root),
    };
    let Ok(bytes) = serde_json::to_vec(&new) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "state",
            "Cannot record the checkpoint.",
        );
    };
    if write_private(&path, &bytes, true).is_err() {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "state",
            "Cannot record the checkpoint.",
        );
    }
    let line = cosignature::cosign(cp_text, &w.name, &w.key, now());
    Answer {
        status: StatusCode::OK,
        content_type: "text/plain; charset=utf-8",
        body: line,
    }
}

fn tracing_free_log(msg: &str) {
    eprintln!("{msg}");
}

fn now() -> u64 {
    u64::try_from(amanat_client::now()).unwrap_or(0)
}
