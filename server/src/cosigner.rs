//! Asks the witnesses the config names to cosign the log's checkpoints (C2SP tlog-witness
//! `add-checkpoint`), and keeps the cosignatures they return with the checkpoint, so every
//! copy of it served afterwards carries them. A thread of its own; a witness that is down
//! or refuses only goes without its line, and is asked again on the next round.

use std::time::Duration;

use actix_web::web;

use crate::service::Services;

/// How often each witness is offered the newest checkpoint.
pub const INTERVAL: Duration = Duration::from_secs(1);
/// The longest answer a witness may give (a few cosignature lines).
const MAX_ANSWER: u64 = 16 * 1024;

/// What this process knows of one witness: the size it last said it holds, and the size it
/// last cosigned for us. Nothing here must be shared between servers: a witness that holds
/// another size says so (`409` with its size), and the next request uses that.
#[derive(Default)]
struct Witness {
    /// Its place in the `witnesses` setting, which is how the log names it (a URL holds an
    /// address, and the log holds none).
    number: usize,
    url: String,
    holds: Option<u64>,
    cosigned: Option<u64>,
}

pub fn spawn(services: web::Data<Services>, urls: Vec<String>) {
    // A witness reached over https needs a process-wide rustls provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let spawned = std::thread::Builder::new()
        .name("cosigner".into())
        .spawn(move || {
            let client = match reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(10))
                .no_proxy()
                .user_agent("amanat-server")
                .build()
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!("cannot set up the witness client: {e}");
                    return;
                }
            };
            let mut witnesses: Vec<Witness> = urls
                .into_iter()
                .enumerate()
                .map(|(i, url)| Witness {
                    number: i + 1,
                    url: url.trim_end_matches('/').to_owned(),
                    ..Witness::default()
                })
                .collect();
            loop {
                for w in &mut witnesses {
                    if let Err(e) = offer(&client, &services, w) {
                        tracing::warn!(witness = w.number, "no cosignature: {e}");
                    }
                }
                std::thread::sleep(INTERVAL);
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the cosigner thread: {e}");
    }
}

/// Offers the newest checkpoint to `w`, with a consistency proof from the size it holds.
fn offer(
    client: &reqwest::blocking::Client,
    services: &Services,
    w: &mut Witness,
) -> Result<(), String> {
    for _ in 0..2 {
        let (request, size) = services
            .cosign_request(w.holds.unwrap_or(0))
            .map_err(|e| e.to_string())?;
        if w.cosigned == Some(size) || size == 0 {
            return Ok(());
        }
        let resp = client
            .post(format!("{}/add-checkpoint", w.url))
            .header("content-type", "text/plain; charset=utf-8")
            .body(request.encode())
            .send()
            .map_err(|e| format!("cannot reach it: {}", e.without_url()))?;
        let status = resp.status().as_u16();
        let mut body = String::new();
        use std::io::Read;
        resp.take(MAX_ANSWER)
            .read_to_string(&mut body)
            .map_err(|e| format!("cannot read its answer: {e}"))?;
        match status {
            200 => {
                let mut kept = 0;
                for line in body.lines().filter(|l| !l.is_empty()) {
                    match services.keep_cosignature(size, &format!("{line}\n")) {
                        Ok(name) => {
                            kept += 1;
                            tracing::info!(size, witness = %name, "checkpoint cosigned");
                        }
                        Err(e) => {
                            tracing::warn!(witness = w.number, "a cosignature was refused: {e}");
                        }
                    }
                }
                w.holds = Some(size);
                if kept > 0 {
                    w.cosigned = Some(size);
                }
                return Ok(());
            }
            // The witness holds another size: it says which; ask again from there.
            409 => {
                let held = body
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format!("it answered 409 without a size: {}", body.trim()))?;
                if w.holds == Some(held) {
                    return Err(format!("it insists on size {held}"));
                }
                if held > size {
                    return Err(format!(
                        "it holds a checkpoint of {held} entries, larger than this log's {size}: the log was rolled back or forked"
                    ));
                }
                w.holds = Some(held);
            }
            _ => return Err(format!("it answered HTTP {status}: {}", body.trim())),
        }
    }
    Err("it changed its size twice in a row".into())
}
