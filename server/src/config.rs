//! Server configuration, layered as defaults → TOML file → `AMANAT_*` environment → flags,
//! and validated once at start with messages that say how to fix each problem.
//! There is no global config: `Config` is passed to whatever needs it.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A 4 GiB file, once encrypted: larger than any scanned court file or phone video we expect,
/// small enough that one upload cannot fill a modest disk unnoticed. The limit counts
/// ciphertext, which is larger than the file: Padmé pads a 4 GiB file to 4 GiB + 64 MiB
/// (its length plus the metadata crosses a 64 MiB step) and age adds 16 bytes per 64 KiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = (4 * 1024 + 128) * 1024 * 1024;
/// 30 minutes: long enough to review a case, short enough that a stolen token soon expires.
pub const DEFAULT_SESSION_TTL_SECS: u64 = 1800;
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
const MAX_SESSION_TTL_SECS: u64 = 24 * 3600;
/// One day: long enough to resume a large upload after a night offline, short enough that
/// abandoned ciphertext does not pile up.
pub const DEFAULT_UPLOAD_TTL_SECS: u64 = 24 * 3600;
const MAX_UPLOAD_TTL_SECS: u64 = 30 * 24 * 3600;
/// 30 s for a TLS handshake, a request head or a JSON body, and for an idle keep-alive
/// connection: ample over Tor, short enough that idle or slow connections do not pile up.
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
const MAX_REQUEST_TIMEOUT_SECS: u64 = 600;
/// 18 bits: about 260,000 SHA-256 hashes, tens of milliseconds on a laptop, well under a
/// second on a cheap phone; a million case creations cost a sender a CPU-day.
pub const DEFAULT_POW_BITS: u8 = 18;
/// With up to 8 bits added under load, the base stays at or below 24 so that the hardest
/// puzzle (32 bits) is still one a client agrees to solve.
const MAX_POW_BITS: u8 = 24;
/// Five minutes from issue to use: room to solve a hard puzzle on a slow phone over Tor.
pub const DEFAULT_POW_TTL_SECS: u64 = 300;
const MAX_POW_TTL_SECS: u64 = 3600;
/// Requests in flight (all workers together) beyond which the server answers `503`.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 512;
const MAX_MAX_IN_FLIGHT: u64 = 65_536;
pub use crate::store::DEFAULT_DATABASE_TIMEOUT_SECS;
/// The smallest `max_document_bytes` we accept: a limit below 64 KiB would refuse even a
/// one-page appeal form (documents are padded to at least 4 KiB, plus the age header).
pub const MIN_DOCUMENT_BYTES: u64 = 64 * 1024;
const MAX_DATABASE_TIMEOUT_SECS: u64 = 300;
/// Room left free on the blob file system beyond an upload, so that the database and logs
/// beside it can still be written.
pub const DEFAULT_DISK_RESERVE_BYTES: u64 = 64 * 1024 * 1024;

/// Where the server finds the keyring root, its database, its blobs and its certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://…`; may hold a password, so `Debug` hides it.
    pub database_url: String,
    pub blob_dir: PathBuf,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    /// The foundation's root public key; only keyrings it signed are accepted.
    pub root_key: VerifyingKey,
    pub max_document_bytes: u64,
    pub session_ttl_secs: u64,
    /// Seconds after its last chunk that an unfinished resumable upload is deleted.
    pub upload_ttl_secs: u64,
    /// Seconds allowed for a TLS handshake, a request head, a JSON body (whole), and an idle
    /// keep-alive connection; a streamed document may be silent for twice as long.
    pub request_timeout_secs: u64,
    /// Seconds a request waits for a database connection before it gets `503`.
    pub database_timeout_secs: u64,
    /// Bytes an upload must leave free on the blob file system, else `507`.
    pub disk_reserve_bytes: u64,
    /// A `tracing` filter such as `info` or `amanat_server=debug`.
    pub log: Option<String>,
    /// The transparency log's Ed25519 seed: a file of exactly 32 bytes, kept private.
    pub log_key_file: PathBuf,
    /// The log's name in checkpoints and in the keyring, e.g. `amanat.example/log`.
    pub log_origin: String,
    /// Base proof-of-work difficulty (leading zero bits) for opening a case and signing in.
    pub pow_bits: u8,
    /// Seconds a proof-of-work puzzle stays valid after it is issued.
    pub pow_ttl_secs: u64,
    /// Requests in flight beyond which the server answers `503 overloaded`.
    pub max_in_flight: usize,
    /// Serve the submission page from this directory (a build of `web/`, e.g. one the root
    /// signed) instead of the copy embedded in the binary.
    pub web_dir: Option<PathBuf>,
    /// Serve Prometheus metrics over plain HTTP on this loopback address (off if unset).
    pub metrics_listen: Option<SocketAddr>,
    /// Witnesses (C2SP tlog-witness URLs) asked to cosign every new checkpoint.
    pub witnesses: Vec<String>,
    /// Keep blobs in this S3-compatible bucket instead of `blob_dir` (which then holds
    /// nothing). Credentials come from the environment when the server opens it.
    pub bucket: Option<BucketConfig>,
    /// The foundation's retention rules, which `amanat-server retention` applies when it is
    /// given no `--rule`.
    pub retention: Vec<RetentionRule>,
}

/// "Cases with `status` (any, if `None`) and no activity for `after_days` days go."
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionRule {
    pub status: Option<amanat_protocol::wire::CaseStatus>,
    pub after_days: u64,
}

impl std::str::FromStr for RetentionRule {
    type Err = String;

    /// `STATUS:DAYS`, e.g. `closed:730`; `any:DAYS` for every status.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{text:?} is not STATUS:DAYS, e.g. closed:730 (statuses: new, in-review, needs-info, complete, included, rejected, closed, any)"
            )
        };
        let (status, days) = text.split_once(':').ok_or_else(bad)?;
        let status = match status.trim() {
            "any" => None,
            s => Some(s.parse().map_err(|_| bad())?),
        };
        let after_days = days.trim().parse().map_err(|_| bad())?;
        Ok(RetentionRule { status, after_days })
    }
}

impl fmt::Display for RetentionRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "{s}:{}", self.after_days),
            None => write!(f, "any:{}", self.after_days),
        }
    }
}

/// `blobs = "s3://bucket/prefix"` with its endpoint, region and addressing style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketConfig {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    pub path_style: bool,
}

impl BucketConfig {
    /// `s3://bucket/prefix`, as written in `blobs`.
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("blob_dir", &self.blob_dir)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("root_key", &STANDARD.encode(self.root_key.as_bytes()))
            .field("max_document_bytes", &self.max_document_bytes)
            .field("session_ttl_secs", &self.session_ttl_secs)
            .field("upload_ttl_secs", &self.upload_ttl_secs)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("database_timeout_secs", &self.database_timeout_secs)
            .field("disk_reserve_bytes", &self.disk_reserve_bytes)
            .field("log", &self.log)
            .field("log_key_file", &self.log_key_file)
            .field("log_origin", &self.log_origin)
            .field("pow_bits", &self.pow_bits)
            .field("pow_ttl_secs", &self.pow_ttl_secs)
            .field("max_in_flight", &self.max_in_flight)
            .field("web_dir", &self.web_dir)
            .field("metrics_listen", &self.metrics_listen)
            .field("witnesses", &self.witnesses)
            .field("bucket", &self.bucket)
            .field("retention", &self.retention)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://********@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://********{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}

/// A configuration problem, phrased for the operator with the fix in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {reason}")]
    ParseFile { path: PathBuf, reason: String },
    #[error("cannot read {var} from {path}: {source}")]
    ReadSecret {
        var: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{setting} is not set: {hint}")]
    Missing {
        setting: &'static str,
        hint: &'static str,
    },
    /// A complete sentence that already names the setting.
    #[error("{0}")]
    Sentence(String),
    #[error("{setting} is not valid: {reason}")]
    Invalid {
        setting: &'static str,
        reason: String,
    },
}

/// One layer of settings; each later layer overrides the fields it sets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_document_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_ttl_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_ttl_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_timeout_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_timeout_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_reserve_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_key_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pow_bits: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pow_ttl_secs: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witnesses: Option<Vec<String>>,
    /// `s3://bucket/prefix` to keep blobs in S3-compatible storage (default: `blob_dir`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blobs: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_path_style: Option<bool>,
    /// Retention rules, `["closed:730", "rejected:365"]`, for `amanat-server retention`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<Vec<String>>,
}

impl Layer {
    fn over(mut self, top: Layer) -> Layer {
        macro_rules! take {
            ($($f:ident),*) => { $( if top.$f.is_some() { self.$f = top.$f; } )* };
        }
        take!(
            listen,
            database_url,
            blob_dir,
            tls_cert,
            tls_key,
            root_key,
            max_document_bytes,
            session_ttl_secs,
            upload_ttl_secs,
            request_timeout_secs,
            database_timeout_secs,
            disk_reserve_bytes,
            log,
            log_key_file,
            log_origin,
            pow_bits,
            pow_ttl_secs,
            max_in_flight,
            web_dir,
            metrics_listen,
            witnesses,
            blobs,
            s3_endpoint,
            s3_region,
            s3_path_style,
            retention
        );
        self
    }

    /// Reads a TOML file. Relative paths in it are taken relative to the file's directory,
    /// so a data directory can be moved as a whole.
    pub fn from_file(path: &Path) -> Result<Layer, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
            path: path.to_owned(),
            source,
        })?;
        let mut layer: Layer = toml::from_str(&text).map_err(|e| ConfigError::ParseFile {
            path: path.to_owned(),
            reason: e.message().to_owned(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut layer.blob_dir,
            &mut layer.tls_cert,
            &mut layer.tls_key,
            &mut layer.log_key_file,
            &mut layer.web_dir,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        if let Some(url) = &mut layer.database_url
            && let Some(rest) = url.strip_prefix("sqlite://")
            && Path::new(rest).is_relative()
        {
            *url = format!("sqlite://{}", base.join(rest).display());
        }
        Ok(layer)
    }

    /// Reads `AMANAT_*` variables from `env`. Unknown ones are returned so the caller can
    /// warn about them (a typo like `AMANAT_DATABSE_URL` should not pass silently).
    pub fn from_env(env: &BTreeMap<String, String>) -> Result<(Layer, Vec<String>), ConfigError> {
        let mut layer = Layer::default();
        let mut unknown = Vec::new();
        for (name, value) in env.iter().filter(|(k, _)| k.starts_with("AMANAT_")) {
            let number = |setting: &'static str| {
                value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| ConfigError::Invalid {
                        setting,
                        reason: format!("{name} must be a whole number, not {value:?}"),
                    })
            };
            match name.as_str() {
                "AMANAT_LISTEN" => layer.listen = Some(value.clone()),
                "AMANAT_DATABASE_URL" => layer.database_url = Some(value.clone()),
                "AMANAT_DATABASE_URL_FILE" => {
                    layer.database_url = Some(read_secret(name, value)?);
                }
                "AMANAT_BLOB_DIR" => layer.blob_dir = Some(value.into()),
                "AMANAT_BLOBS" => layer.blobs = Some(value.clone()),
                "AMANAT_S3_ENDPOINT" => layer.s3_endpoint = Some(value.clone()),
                "AMANAT_S3_REGION" => layer.s3_region = Some(value.clone()),
                "AMANAT_RETENTION" => {
                    layer.retention = Some(
                        value
                            .split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    );
                }
                "AMANAT_S3_PATH_STYLE" => {
                    layer.s3_path_style = Some(match value.trim() {
                        "1" | "true" | "yes" => true,
                        "0" | "false" | "no" => false,
                        _ => {
                            return Err(ConfigError::Invalid {
                                setting: "s3_path_style",
                                reason: format!("{name} must be true or false, not {value:?}"),
                            });
                        }
                    });
                }
                "AMANAT_WEB_DIR" => layer.web_dir = Some(value.into()),
                "AMANAT_METRICS_LISTEN" => layer.metrics_listen = Some(value.clone()),
                "AMANAT_WITNESSES" => {
                    layer.witnesses = Some(
                        value
                            .split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    );
                }
                "AMANAT_TLS_CERT" => layer.tls_cert = Some(value.into()),
                "AMANAT_TLS_KEY" => layer.tls_key = Some(value.into()),
                "AMANAT_ROOT_KEY" => layer.root_key = Some(value.clone()),
                "AMANAT_ROOT_KEY_FILE" => layer.root_key = Some(read_secret(name, value)?),
                "AMANAT_MAX_DOCUMENT_BYTES" => {
                    layer.max_document_bytes = Some(number("max_document_bytes")?);
                }
                "AMANAT_SESSION_TTL_SECS" => {
                    layer.session_ttl_secs = Some(number("session_ttl_secs")?);
                }
                "AMANAT_UPLOAD_TTL_SECS" => {
                    layer.upload_ttl_secs = Some(number("upload_ttl_secs")?);
                }
                "AMANAT_REQUEST_TIMEOUT_SECS" => {
                    layer.request_timeout_secs = Some(number("request_timeout_secs")?);
                }
                "AMANAT_DATABASE_TIMEOUT_SECS" => {
                    layer.database_timeout_secs = Some(number("database_timeout_secs")?);
                }
                "AMANAT_DISK_RESERVE_BYTES" => {
                    layer.disk_reserve_bytes = Some(number("disk_reserve_bytes")?);
                }
                "AMANAT_LOG" => layer.log = Some(value.clone()),
                "AMANAT_LOG_KEY_FILE" => layer.log_key_file = Some(value.into()),
                "AMANAT_LOG_ORIGIN" => layer.log_origin = Some(value.clone()),
                "AMANAT_POW_BITS" => layer.pow_bits = Some(number("pow_bits")?),
                "AMANAT_POW_TTL_SECS" => layer.pow_ttl_secs = Some(number("pow_ttl_secs")?),
                "AMANAT_MAX_IN_FLIGHT" => layer.max_in_flight = Some(number("max_in_flight")?),
                // Used by the test suite and by `amanat` itself, not settings of this server.
                n if n.starts_with("AMANAT_TEST_") => {}
                _ => unknown.push(name.clone()),
            }
        }
        Ok((layer, unknown))
    }
}

fn read_secret(var: &str, path: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|source| ConfigError::ReadSecret {
            var: var.to_owned(),
            path: path.into(),
            source,
        })
}

/// Flags given on the command line; they win over everything else.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database_url: Option<String>,
}

/// The outcome of [`Config::load`]: the config and the unknown `AMANAT_*` names to warn about.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub unknown_env: Vec<String>,
}

impl Config {
    /// Reads `path` alone (defaults + file), as `amanat demo` does for a directory it made.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        Config::from_layer(Layer::from_file(path)?)
    }

    /// The full layering: defaults, then `file`, then `AMANAT_*` from `env`, then `flags`.
    pub fn load(
        file: Option<&Path>,
        env: &BTreeMap<String, String>,
        flags: &Overrides,
    ) -> Result<Loaded, ConfigError> {
        let mut layer = Layer::default();
        if let Some(path) = file {
            layer = layer.over(Layer::from_file(path)?);
        }
        let (env_layer, unknown_env) = Layer::from_env(env)?;
        layer = layer.over(env_layer).over(Layer {
            listen: flags.listen.clone(),
            database_url: flags.database_url.clone(),
            ..Layer::default()
        });
        Ok(Loaded {
            config: Config::from_layer(layer)?,
            unknown_env,
        })
    }

    /// Validates a merged layer.
    pub fn from_layer(layer: Layer) -> Result<Config, ConfigError> {
        let bucket = bucket_config(&layer)?;
        let listen_text = layer.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen = listen_text
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::Invalid {
                setting: "listen",
                reason: format!(
                    "{listen_text:?} is not an IP address and port; write e.g. 127.0.0.1:8443 or [::]:8443"
                ),
            })?;
        let database_url = layer.database_url.ok_or(ConfigError::Missing {
            setting: "database_url",
            hint: "set it in the config file or AMANAT_DATABASE_URL, e.g. sqlite:///var/lib/amanat/amanat.db",
        })?;
        crate::store::Backend::from_url(&database_url).map_err(ConfigError::Sentence)?;
        let blob_dir = layer.blob_dir.ok_or(ConfigError::Missing {
            setting: "blob_dir",
            hint: "set it in the config file or AMANAT_BLOB_DIR (a directory for ciphertext)",
        })?;
        let tls_cert = layer.tls_cert.ok_or(ConfigError::Missing {
            setting: "tls_cert",
            hint: "set it in the config file or AMANAT_TLS_CERT; `amanat-server init` makes one",
        })?;
        let tls_key = layer.tls_key.ok_or(ConfigError::Missing {
            setting: "tls_key",
            hint: "set it in the config file or AMANAT_TLS_KEY; `amanat-server init` makes one",
        })?;
        let root_key = parse_root_key(layer.root_key.as_deref().ok_or(ConfigError::Missing {
            setting: "root_key",
            hint: "set it in the config file or AMANAT_ROOT_KEY to the root public key printed by `amanat admin init`",
        })?)?;
        let max_document_bytes = layer
            .max_document_bytes
            .unwrap_or(DEFAULT_MAX_DOCUMENT_BYTES);
        if max_document_bytes < MIN_DOCUMENT_BYTES {
            return Err(ConfigError::Invalid {
                setting: "max_document_bytes",
                reason: format!(
                    "{max_document_bytes} is smaller than the smallest padded document; use at least {}",
                    MIN_DOCUMENT_BYTES
                ),
            });
        }
        let session_ttl_secs = layer.session_ttl_secs.unwrap_or(DEFAULT_SESSION_TTL_SECS);
        if !(1..=MAX_SESSION_TTL_SECS).contains(&session_ttl_secs) {
            return Err(ConfigError::Invalid {
                setting: "session_ttl_secs",
                reason: format!(
                    "{session_ttl_secs} is out of range; use 1 to {MAX_SESSION_TTL_SECS} seconds (the default, 1800, suits people)"
                ),
            });
        }
        let upload_ttl_secs = layer.upload_ttl_secs.unwrap_or(DEFAULT_UPLOAD_TTL_SECS);
        if !(1..=MAX_UPLOAD_TTL_SECS).contains(&upload_ttl_secs) {
            return Err(ConfigError::Invalid {
                setting: "upload_ttl_secs",
                reason: format!(
                    "{upload_ttl_secs} is out of range; use 1 to {MAX_UPLOAD_TTL_SECS} seconds (the default, 86400, lets a complainant resume the next day)"
                ),
            });
        }
        let request_timeout_secs = layer
            .request_timeout_secs
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT_SECS);
        if !(1..=MAX_REQUEST_TIMEOUT_SECS).contains(&request_timeout_secs) {
            return Err(ConfigError::Invalid {
                setting: "request_timeout_secs",
                reason: format!(
                    "{request_timeout_secs} is out of range; use 1 to {MAX_REQUEST_TIMEOUT_SECS} seconds (the default, 30, suits clients over Tor)"
                ),
            });
        }
        let database_timeout_secs = layer
            .database_timeout_secs
            .unwrap_or(DEFAULT_DATABASE_TIMEOUT_SECS);
        if !(1..=MAX_DATABASE_TIMEOUT_SECS).contains(&database_timeout_secs) {
            return Err(ConfigError::Invalid {
                setting: "database_timeout_secs",
                reason: format!(
                    "{database_timeout_secs} is out of range; use 1 to {MAX_DATABASE_TIMEOUT_SECS} seconds (the default, {DEFAULT_DATABASE_TIMEOUT_SECS}, answers 503 soon while the database is down)"
                ),
            });
        }
        let disk_reserve_bytes = layer
            .disk_reserve_bytes
            .unwrap_or(DEFAULT_DISK_RESERVE_BYTES);
        let log_key_file = layer.log_key_file.ok_or(ConfigError::Missing {
            setting: "log_key_file",
            hint: "set it in the config file or AMANAT_LOG_KEY_FILE to the 32-byte key `amanat-server init` writes as log.key",
        })?;
        let log_origin = layer.log_origin.ok_or(ConfigError::Missing {
            setting: "log_origin",
            hint: "set it in the config file or AMANAT_LOG_ORIGIN to the origin `amanat-server init` printed (the one in the keyring's \"log\")",
        })?;
        check_log_origin(&log_origin)?;
        let pow_bits = layer.pow_bits.unwrap_or(u64::from(DEFAULT_POW_BITS));
        let pow_bits = u8::try_from(pow_bits)
            .ok()
            .filter(|b| *b <= MAX_POW_BITS)
            .ok_or_else(|| ConfigError::Invalid {
                setting: "pow_bits",
                reason: format!(
                    "{pow_bits} is out of range; use 0 to {MAX_POW_BITS} (the default, {DEFAULT_POW_BITS}, costs a complainant well under a second; each bit doubles it)"
                ),
            })?;
        let pow_ttl_secs = layer.pow_ttl_secs.unwrap_or(DEFAULT_POW_TTL_SECS);
        if !(1..=MAX_POW_TTL_SECS).contains(&pow_ttl_secs) {
            return Err(ConfigError::Invalid {
                setting: "pow_ttl_secs",
                reason: format!(
                    "{pow_ttl_secs} is out of range; use 1 to {MAX_POW_TTL_SECS} seconds (the default, {DEFAULT_POW_TTL_SECS}, leaves a slow phone time to solve)"
                ),
            });
        }
        let max_in_flight = layer
            .max_in_flight
            .map_or(Some(DEFAULT_MAX_IN_FLIGHT), |n| {
                usize::try_from(n).ok().filter(|_| (1..=MAX_MAX_IN_FLIGHT).contains(&n))
            })
            .ok_or_else(|| ConfigError::Invalid {
                setting: "max_in_flight",
                reason: format!(
                    "use 1 to {MAX_MAX_IN_FLIGHT} requests (the default, {DEFAULT_MAX_IN_FLIGHT}, keeps a small server's memory bounded)"
                ),
            })?;
        let metrics_listen = layer
            .metrics_listen
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|text| {
                text.trim()
                    .parse::<SocketAddr>()
                    .ok()
                    .filter(|a| a.ip().is_loopback())
                    .ok_or_else(|| ConfigError::Invalid {
                        setting: "metrics_listen",
                        reason: format!(
                            "{text:?} is not a loopback address and port; write e.g. 127.0.0.1:9464 (metrics show when the server is busy, so they stay on this machine: scrape them locally or through an authenticated tunnel)"
                        ),
                    })
            })
            .transpose()?;
        let witnesses = layer.witnesses.unwrap_or_default();
        for w in &witnesses {
            let loopback = ["http://127.0.0.1:", "http://[::1]:", "http://localhost:"]
                .iter()
                .any(|p| w.starts_with(p));
            if !(w.starts_with("https://") || loopback) {
                return Err(ConfigError::Invalid {
                    setting: "witnesses",
                    reason: format!(
                        "{w:?} is not an https:// URL (plain http is allowed only to a witness on this machine, e.g. http://127.0.0.1:9070)"
                    ),
                });
            }
        }
        if bucket.is_some() && max_document_bytes > crate::blobs::bucket::MAX_COPY {
            return Err(ConfigError::Invalid {
                setting: "max_document_bytes",
                reason: format!(
                    "{max_document_bytes} is more than the {} bytes S3 can copy in one request; on an S3 blob store keep it at or below that",
                    crate::blobs::bucket::MAX_COPY
                ),
            });
        }
        let retention = layer
            .retention
            .iter()
            .flatten()
            .map(|r| {
                r.parse::<RetentionRule>()
                    .map_err(|reason| ConfigError::Invalid {
                        setting: "retention",
                        reason,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Config {
            retention,
            bucket,
            listen,
            database_url,
            blob_dir,
            tls_cert,
            tls_key,
            root_key,
            max_document_bytes,
            session_ttl_secs,
            upload_ttl_secs,
            request_timeout_secs,
            database_timeout_secs,
            disk_reserve_bytes,
            log: layer.log,
            log_key_file,
            log_origin,
            pow_bits,
            pow_ttl_secs,
            max_in_flight,
            web_dir: layer.web_dir,
            metrics_listen,
            witnesses,
        })
    }

    /// The settings as a TOML layer, for writing a config file.
    pub fn to_layer(&self) -> Layer {
        Layer {
            listen: Some(self.listen.to_string()),
            database_url: Some(self.database_url.clone()),
            blob_dir: Some(self.blob_dir.clone()),
            tls_cert: Some(self.tls_cert.clone()),
            tls_key: Some(self.tls_key.clone()),
            root_key: Some(STANDARD.encode(self.root_key.as_bytes())),
            max_document_bytes: Some(self.max_document_bytes),
            session_ttl_secs: Some(self.session_ttl_secs),
            upload_ttl_secs: Some(self.upload_ttl_secs),
            request_timeout_secs: Some(self.request_timeout_secs),
            database_timeout_secs: Some(self.database_timeout_secs),
            disk_reserve_bytes: Some(self.disk_reserve_bytes),
            log: self.log.clone(),
            log_key_file: Some(self.log_key_file.clone()),
            log_origin: Some(self.log_origin.clone()),
            pow_bits: Some(u64::from(self.pow_bits)),
            pow_ttl_secs: Some(self.pow_ttl_secs),
            max_in_flight: Some(self.max_in_flight as u64),
            web_dir: self.web_dir.clone(),
            metrics_listen: self.metrics_listen.map(|a| a.to_string()),
            witnesses: (!self.witnesses.is_empty()).then(|| self.witnesses.clone()),
            blobs: self.bucket.as_ref().map(BucketConfig::url),
            s3_endpoint: self.bucket.as_ref().map(|b| b.endpoint.clone()),
            s3_region: self.bucket.as_ref().map(|b| b.region.clone()),
            s3_path_style: self.bucket.as_ref().map(|b| b.path_style),
            retention: (!self.retention.is_empty())
                .then(|| self.retention.iter().map(ToString::to_string).collect()),
        }
    }
}

/// `blobs`, `s3_endpoint`, `s3_region` and `s3_path_style` as one bucket, or `None` for the
/// folder store.
fn bucket_config(layer: &Layer) -> Result<Option<BucketConfig>, ConfigError> {
    let Some(url) = layer
        .blobs
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        if layer.s3_endpoint.is_some() {
            return Err(ConfigError::Invalid {
                setting: "s3_endpoint",
                reason: "s3_endpoint is set but blobs is not; add blobs = \"s3://BUCKET/PREFIX\""
                    .into(),
            });
        }
        return Ok(None);
    };
    BucketConfig::parse(
        url,
        layer.s3_endpoint.as_deref(),
        layer.s3_region.as_deref(),
        layer.s3_path_style,
    )
    .map(Some)
}

impl BucketConfig {
    /// `s3://BUCKET[/PREFIX]` with its endpoint (default: AWS in the region), region (default
    /// `us-east-1`) and addressing style (default: virtual-hosted), checked.
    pub fn parse(
        url: &str,
        endpoint: Option<&str>,
        region: Option<&str>,
        path_style: Option<bool>,
    ) -> Result<BucketConfig, ConfigError> {
        let invalid =
            |setting: &'static str, reason: String| ConfigError::Invalid { setting, reason };
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
        invalid(
            "blobs",
            format!("{url:?} is not s3://BUCKET or s3://BUCKET/PREFIX (leave blobs unset to keep blobs in blob_dir)"),
        )
    })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/').to_owned();
        if prefix.split('/').any(|p| p == "." || p == "..")
            || !prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        {
            return Err(invalid(
                "blobs",
                format!(
                    "the prefix {prefix:?} may hold only letters, digits, '-', '_', '.' and '/'"
                ),
            ));
        }
        let region = region
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("us-east-1")
            .to_owned();
        let endpoint = endpoint
            .map(str::to_owned)
            .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let loopback = ["http://127.0.0.1:", "http://[::1]:", "http://localhost:"]
            .iter()
            .any(|p| endpoint.starts_with(p));
        if !(endpoint.starts_with("https://") || loopback) {
            return Err(invalid(
                "s3_endpoint",
                format!(
                    "{endpoint:?} is not an https:// URL (plain http is allowed only to a store on this machine, e.g. http://127.0.0.1:9000)"
                ),
            ));
        }
        let config = BucketConfig {
            endpoint,
            region,
            bucket: bucket.to_owned(),
            prefix,
            path_style: path_style.unwrap_or(false),
        };
        // The client checks the bucket name and the endpoint's shape.
        crate::blobs::s3::S3::check(&config).map_err(|e| invalid("blobs", e))?;
        Ok(config)
    }
}

/// A log origin names the signer of every checkpoint (C2SP signed-note key name): non-empty,
/// no white space, no '+', nothing unprintable.
pub fn check_log_origin(origin: &str) -> Result<(), ConfigError> {
    let bad = origin.is_empty()
        || origin
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control());
    if bad {
        return Err(ConfigError::Invalid {
            setting: "log_origin",
            reason: format!(
                "{origin:?} must be non-empty, without spaces or '+'; use a name like amanat.example/log"
            ),
        });
    }
    Ok(())
}

/// Reads the log's Ed25519 seed: exactly 32 bytes, as `amanat-server init` writes it.
pub fn read_log_seed(path: &Path) -> Result<Zeroizing<[u8; 32]>, ConfigError> {
    let bytes = Zeroizing::new(
        std::fs::read(path).map_err(|source| ConfigError::ReadSecret {
            var: "log_key_file".into(),
            path: path.to_owned(),
            source,
        })?,
    );
    let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| ConfigError::Invalid {
        setting: "log_key_file",
        reason: format!(
            "{} holds {} bytes; the log key is exactly 32 bytes, as `amanat-server init` writes it",
            path.display(),
            bytes.len()
        ),
    })?;
    Ok(Zeroizing::new(seed))
}

/// Parses the root public key (base64 of 32 bytes that are an Ed25519 point).
pub fn parse_root_key(text: &str) -> Result<VerifyingKey, ConfigError> {
    const WHERE: &str = "give the base64 root public key printed by `amanat admin init`";
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| ConfigError::Invalid {
            setting: "root_key",
            reason: format!("it is not base64; {WHERE}"),
        })?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| ConfigError::Invalid {
        setting: "root_key",
        reason: format!("it is not 32 bytes long; {WHERE}"),
    })?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| ConfigError::Invalid {
        setting: "root_key",
        reason: format!("it is not an Ed25519 public key; {WHERE}"),
    })
}

/// The process environment as a map, for [`Config::load`].
pub fn process_env() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn root() -> String {
        STANDARD.encode(
            ed25519_dalek::SigningKey::from_bytes(&[7; 32])
                .verifying_key()
                .as_bytes(),
        )
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn write_file(dir: &Path, body: &str) -> PathBuf {
        let p = dir.join("config.toml");
        std::fs::write(&p, body).unwrap();
        p
    }

    fn full_file(dir: &Path) -> PathBuf {
        write_file(
            dir,
            &format!(
                "database_url = \"sqlite://amanat.db\"\nblob_dir = \"blobs\"\ntls_cert = \"tls/cert.pem\"\ntls_key = \"/abs/key.pem\"\nroot_key = \"{}\"\nlog_key_file = \"log.key\"\nlog_origin = \"amanat.example/log\"\n",
                root()
            ),
        )
    }

    #[test]
    fn defaults_then_file_with_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::from_file(&full_file(dir.path())).unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(
            c.database_url,
            format!("sqlite://{}", dir.path().join("amanat.db").display())
        );
        assert_eq!(c.blob_dir, dir.path().join("blobs"));
        assert_eq!(c.tls_key, PathBuf::from("/abs/key.pem"));
        assert_eq!(c.log_key_file, dir.path().join("log.key"));
        assert_eq!(c.log_origin, "amanat.example/log");
        assert_eq!(c.max_document_bytes, DEFAULT_MAX_DOCUMENT_BYTES);
        assert_eq!(c.session_ttl_secs, DEFAULT_SESSION_TTL_SECS);
        assert_eq!(c.pow_bits, DEFAULT_POW_BITS);
        assert_eq!(c.max_in_flight, DEFAULT_MAX_IN_FLIGHT);
    }

    #[test]
    fn env_overrides_file_and_flags_override_env() {
        let dir = tempfile::tempdir().unwrap();
        let file = full_file(dir.path());
        let secret = dir.path().join("db-url");
        std::fs::write(&secret, "postgres://u:pw@db/amanat\n").unwrap();
        let e = env(&[
            ("AMANAT_LISTEN", "0.0.0.0:9000"),
            ("AMANAT_DATABASE_URL_FILE", secret.to_str().unwrap()),
            ("AMANAT_SESSION_TTL_SECS", "600"),
            ("AMANAT_DATABSE_URL", "typo"),
            ("AMANAT_TEST_POSTGRES_URL", "ignored"),
            ("HOME", "/root"),
        ]);
        let loaded = Config::load(Some(&file), &e, &Overrides::default()).unwrap();
        assert_eq!(loaded.config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(loaded.config.database_url, "postgres://u:pw@db/amanat");
        assert_eq!(loaded.config.session_ttl_secs, 600);
        assert_eq!(loaded.unknown_env, vec!["AMANAT_DATABSE_URL".to_string()]);
        assert!(!format!("{:?}", loaded.config).contains("pw"));

        let flags = Overrides {
            listen: Some("127.0.0.1:0".into()),
            database_url: Some("sqlite:///tmp/x.db".into()),
        };
        let loaded = Config::load(Some(&file), &e, &flags).unwrap();
        assert_eq!(loaded.config.listen.to_string(), "127.0.0.1:0");
        assert_eq!(loaded.config.database_url, "sqlite:///tmp/x.db");
    }

    #[test]
    fn messages_say_how_to_fix() {
        let dir = tempfile::tempdir().unwrap();
        let file = full_file(dir.path());
        let err = |pairs: &[(&str, &str)]| {
            Config::load(Some(&file), &env(pairs), &Overrides::default())
                .unwrap_err()
                .to_string()
        };
        assert!(
            err(&[("AMANAT_DATABASE_URL", "mysql://x")])
                .contains("must start with sqlite:// or postgres://")
        );
        assert!(err(&[("AMANAT_ROOT_KEY", "abc")]).contains("amanat admin init"));
        assert!(err(&[("AMANAT_ROOT_KEY", "AAAA")]).contains("32 bytes"));
        assert!(err(&[("AMANAT_LISTEN", "localhost")]).contains("127.0.0.1:8443"));
        assert!(err(&[("AMANAT_SESSION_TTL_SECS", "0")]).contains("1 to"));
        assert!(err(&[("AMANAT_SESSION_TTL_SECS", "100000")]).contains("1 to"));
        assert!(err(&[("AMANAT_MAX_DOCUMENT_BYTES", "lots")]).contains("whole number"));
        assert!(err(&[("AMANAT_POW_BITS", "25")]).contains("pow_bits"));
        assert!(err(&[("AMANAT_POW_BITS", "300")]).contains("0 to 24"));
        assert!(err(&[("AMANAT_POW_TTL_SECS", "0")]).contains("pow_ttl_secs"));
        assert!(err(&[("AMANAT_MAX_IN_FLIGHT", "0")]).contains("max_in_flight"));
        assert!(err(&[("AMANAT_MAX_IN_FLIGHT", "100000")]).contains("1 to 65536"));
        for addr in [
            "0.0.0.0:9464",
            "192.0.2.1:9464",
            "[::]:9464",
            "localhost:9464",
        ] {
            assert!(
                err(&[("AMANAT_METRICS_LISTEN", addr)]).contains("not a loopback address"),
                "{addr}"
            );
        }
        for origin in ["", "a b", "a+b", "a\nb", "a\u{0}b"] {
            assert!(
                err(&[("AMANAT_LOG_ORIGIN", origin)]).contains("log_origin"),
                "{origin:?}"
            );
        }
        let ok = Config::load(
            Some(&file),
            &env(&[
                ("AMANAT_LOG_ORIGIN", "example.org/other-log"),
                ("AMANAT_LOG_KEY_FILE", "/run/secrets/log.key"),
            ]),
            &Overrides::default(),
        )
        .unwrap()
        .config;
        assert_eq!(ok.log_origin, "example.org/other-log");
        assert_eq!(ok.log_key_file, PathBuf::from("/run/secrets/log.key"));
        let missing = Config::load(None, &env(&[]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(missing.contains("AMANAT_DATABASE_URL"), "{missing}");
        let bad = write_file(dir.path(), "databse_url = \"x\"\n");
        let msg = Config::from_file(&bad).unwrap_err().to_string();
        assert!(msg.contains("unknown field"), "{msg}");
    }

    #[test]
    fn the_log_key_is_exactly_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.key");
        std::fs::write(&p, [9u8; 32]).unwrap();
        assert_eq!(*read_log_seed(&p).unwrap(), [9u8; 32]);
        std::fs::write(&p, [9u8; 33]).unwrap();
        assert!(
            read_log_seed(&p)
                .unwrap_err()
                .to_string()
                .contains("33 bytes")
        );
        assert!(read_log_seed(&dir.path().join("none")).is_err());
    }

    #[test]
    fn round_trips_through_toml() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::from_file(&full_file(dir.path())).unwrap();
        let text = toml::to_string(&c.to_layer()).unwrap();
        let again = write_file(dir.path(), &text);
        assert_eq!(Config::from_file(&again).unwrap(), c);
    }
}
