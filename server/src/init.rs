//! `amanat-server init`: a fresh data directory with a self-signed certificate, the
//! transparency log's key and a config file. Refuses to touch an existing config, so it cannot
//! clobber a live server.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::Error;
use crate::config::{
    Config, DEFAULT_LISTEN, DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_SESSION_TTL_SECS, Layer,
};

/// What `init` needs to know.
#[derive(Clone, Debug)]
pub struct InitOptions {
    pub data_dir: PathBuf,
    /// The foundation's root public key, base64 (as `amanat admin init` prints it).
    pub root_key: String,
    /// Extra names for the certificate (e.g. an onion address); loopback is always in it.
    pub hostnames: Vec<String>,
    /// Default: `sqlite://DATA_DIR/amanat.db`.
    pub database_url: Option<String>,
    /// Default: 127.0.0.1:8443.
    pub listen: Option<SocketAddr>,
}

/// What `init` made.
#[derive(Clone, Debug)]
pub struct InitReport {
    pub config_path: PathBuf,
    /// Lowercase hex SHA-256 of the certificate's DER: what clients pin.
    pub cert_sha256: String,
    pub config: Config,
    /// The log's origin and public key (base64): what the admin puts into the keyring with
    /// `amanat admin keyring set-log --origin … --key …`.
    pub log_origin: String,
    pub log_public_key: String,
}

fn io_err(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { what, source }
}

pub(crate) fn write_new(path: &Path, mode: u32, contents: &[u8]) -> Result<(), Error> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io_err(format!("cannot create {}", path.display())))?;
    f.write_all(contents)
        .and_then(|()| f.sync_all())
        .map_err(io_err(format!("cannot write {}", path.display())))
}

fn mkdir_private(path: &Path) -> Result<(), Error> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .and_then(|()| fs::set_permissions(path, fs::Permissions::from_mode(0o700)))
        .map_err(io_err(format!(
            "cannot create the directory {}",
            path.display()
        )))
}

/// Makes the data directory, with the log named `amanat.invalid/log-<8 random hex digits>`.
pub fn init_data_dir(opts: &InitOptions) -> Result<InitReport, Error> {
    init_data_dir_with_log_origin(opts, None)
}

/// Makes the data directory; `log_origin` names the log in its checkpoints (`--log-origin`).
/// (A separate function rather than a field of [`InitOptions`], so that callers who build
/// that struct literally keep compiling.)
pub fn init_data_dir_with_log_origin(
    opts: &InitOptions,
    log_origin: Option<&str>,
) -> Result<InitReport, Error> {
    // Checked first, so a typo in the key or origin leaves nothing behind.
    let root_key = crate::config::parse_root_key(&opts.root_key)?;
    let log_origin = match log_origin {
        Some(o) => o.to_owned(),
        None => {
            let tag: [u8; 4] = rand::random();
            format!(
                "amanat.invalid/log-{}",
                amanat_protocol::encoding::hex(&tag)
            )
        }
    };
    crate::config::check_log_origin(&log_origin)?;
    let dir = std::path::absolute(&opts.data_dir).map_err(io_err(format!(
        "cannot resolve {}",
        opts.data_dir.display()
    )))?;
    let config_path = dir.join("config.toml");
    if config_path.exists() {
        return Err(Error::Init(format!(
            "{} already exists; refusing to overwrite it. Use another --data directory, or remove that file if you really mean to start over.",
            config_path.display()
        )));
    }
    mkdir_private(&dir)?;
    let tls_dir = dir.join("tls");
    mkdir_private(&tls_dir)?;
    let cert = crate::tls::self_signed(&opts.hostnames)?;
    let cert_path = tls_dir.join("cert.pem");
    let key_path = tls_dir.join("key.pem");
    write_new(&key_path, 0o600, cert.key_pem.as_bytes())?;
    write_new(&cert_path, 0o644, cert.cert_pem.as_bytes())?;

    // The log key signs every checkpoint for the life of the log: straight from the OS.
    let mut seed = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(seed.as_mut());
    let log_key_file = dir.join("log.key");
    write_new(&log_key_file, 0o600, seed.as_slice())?;
    let log_public_key = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();

    let blob_dir = dir.join("blobs");
    crate::blobs::BlobStore::open_dir(&blob_dir)
        .map_err(io_err(format!("cannot create {}", blob_dir.display())))?;

    let config = Config {
        listen: match opts.listen {
            Some(a) => a,
            None => DEFAULT_LISTEN
                .parse()
                .map_err(|_| Error::Init("bad default listen address".into()))?,
        },
        database_url: opts
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("amanat.db").display())),
        blob_dir,
        tls_cert: cert_path,
        tls_key: key_path,
        root_key,
        max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
        session_ttl_secs: DEFAULT_SESSION_TTL_SECS,
        upload_ttl_secs: crate::config::DEFAULT_UPLOAD_TTL_SECS,
        request_timeout_secs: crate::config::DEFAULT_REQUEST_TIMEOUT_SECS,
        database_timeout_secs: crate::config::DEFAULT_DATABASE_TIMEOUT_SECS,
        disk_reserve_bytes: crate::config::DEFAULT_DISK_RESERVE_BYTES,
        log: None,
        log_key_file,
        log_origin: log_origin.clone(),
        pow_bits: crate::config::DEFAULT_POW_BITS,
        pow_ttl_secs: crate::config::DEFAULT_POW_TTL_SECS,
        max_in_flight: crate::config::DEFAULT_MAX_IN_FLIGHT,
        web_dir: None,
        metrics_listen: None,
        witnesses: Vec::new(),
        bucket: None,
        retention: Vec::new(),
    };
    // Round-trip through validation, so init never writes a config serve would refuse.
    let config = Config::from_layer(config.to_layer())?;
    let text = format!(
        "# Written by `amanat-server init`. Every setting can be overridden by an AMANAT_*\n\
         # environment variable (e.g. AMANAT_DATABASE_URL); see docs/deploy.md.\n\
         # Prometheus metrics on a loopback port (off unless set):\n\
         # metrics_listen = \"127.0.0.1:9464\"\n{}",
        toml::to_string(&config.to_layer())
            .map_err(|e| Error::Init(format!("cannot write the config: {e}")))?
    );
    // 0600: the database URL may carry a password.
    write_new(&config_path, 0o600, text.as_bytes())?;
    let _: Layer = Layer::from_file(&config_path)?;
    Ok(InitReport {
        config_path,
        cert_sha256: amanat_protocol::encoding::hex(&cert.sha256),
        config,
        log_origin,
        log_public_key: STANDARD.encode(log_public_key.as_bytes()),
    })
}
