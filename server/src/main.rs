//! `amanat-server`: `init` a data directory, `serve` it, `healthcheck` a running server, and
//! `backup`, `restore` or `verify` what it holds.
//! Start-up problems are printed with the fix; once serving, logs go to stderr and the one
//! line on stdout says where the server listens.

use std::io::Write;
use std::net::{TcpListener, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use amanat_server::config::{self, Config, Overrides};
use amanat_server::{InitOptions, tls};

#[derive(Parser)]
#[command(
    name = "amanat-server",
    version,
    about = "Amanat intake server: stores only ciphertext"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a data directory: TLS certificate, config file, blob directory.
    Init {
        /// Directory to create (mode 0700).
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// The foundation's root public key (base64), printed by `amanat admin init`.
        #[arg(long, value_name = "BASE64")]
        root_key: String,
        /// Extra name for the certificate (repeatable); loopback names are always included.
        #[arg(long = "hostname", value_name = "NAME")]
        hostnames: Vec<String>,
        /// Default: sqlite://DIR/amanat.db.
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
        /// Default: 127.0.0.1:8443.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// The transparency log's name in its checkpoints, e.g. amanat.example/log.
        /// Default: amanat.invalid/log-<8 random hex digits>.
        #[arg(long, value_name = "ORIGIN")]
        log_origin: Option<String>,
    },
    /// Serve HTTPS. Settings: config file, then AMANAT_* variables, then these flags.
    Serve {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Address to listen on; port 0 picks a free one (printed on stdout).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
    /// Copy everything a server holds into a new folder, while it runs: a database snapshot
    /// (SQLite `VACUUM INTO`, or `pg_dump`), then every blob (each checked against its
    /// name), the log key, TLS and config. The folder holds secrets: encrypt it.
    #[command(
        after_help = "Example:\n  amanat-server backup --config /var/lib/amanat/srv/config.toml --out /var/backups/amanat/2026-12-03\n  tar -C /var/backups/amanat -c 2026-12-03 | age -r age1… > amanat-2026-12-03.tar.age"
    )]
    Backup {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// A new or empty folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Restore a backup into a new data directory, then check it as `verify` does. A
    /// PostgreSQL backup goes into the empty database given with --database-url.
    #[command(
        after_help = "Example:\n  amanat-server restore --from /var/backups/amanat/2026-12-03 --data /var/lib/amanat/restored\n  amanat-server serve --config /var/lib/amanat/restored/config.toml"
    )]
    Restore {
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// The new data directory (must not exist or be empty).
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// For a PostgreSQL backup: an empty database to restore into.
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
    },
    /// Check a data directory: the keyring against the root, every document's blob (length
    /// and SHA-256), and the log's entries against its nodes and signed checkpoints.
    Verify {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Apply the foundation's retention rules: list (by default) or delete (--apply) the cases
    /// with a status and no activity for a number of days. Cases under a legal hold
    /// (`amanat staff hold`) are listed and kept. Safe to run while the server serves.
    #[command(
        after_help = "Examples:\n  amanat-server retention --config /var/lib/amanat/srv/config.toml --rule closed:730 --rule rejected:365\n  amanat-server retention --config /var/lib/amanat/srv/config.toml --rule closed:730 --rule rejected:365 --apply\n\nA rule is STATUS:DAYS (new, in-review, needs-info, complete, included, rejected, closed,\nor any); without --rule, the config file's retention = [\"closed:730\", …] is used. Each deletion is logged (entry 07) and removes the case's documents, replies,\nnotes and grants. Without --apply nothing changes."
    )]
    Retention {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// STATUS:DAYS, e.g. closed:730 (repeat for each rule); without any, the config
        /// file's `retention` rules.
        #[arg(long = "rule", value_name = "STATUS:DAYS")]
        rules: Vec<String>,
        /// Delete the listed cases (without it: a dry run).
        #[arg(long)]
        apply: bool,
    },
    /// Copy every document's blob from the store the configuration names to another: a
    /// folder to an S3-compatible bucket, or back. Each blob is hashed on the way and read back
    /// from the target. Safe to run again; then point `blobs` (or `blob_dir`) at the target.
    #[command(
        name = "migrate-blobs",
        after_help = "Examples:\n  AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… amanat-server migrate-blobs --config /var/lib/amanat/srv/config.toml --to s3://amanat-blobs/prod --s3-endpoint https://s3.eu-central-1.amazonaws.com --s3-region eu-central-1\n  amanat-server migrate-blobs --config /var/lib/amanat/srv/config.toml --to /var/lib/amanat/srv/blobs\n\nRun it while the server serves, then stop the server, run it once more (for documents\nstored meanwhile), switch the configuration and start the server. docs/deploy.md, \"Moving\nto several servers\", walks through it."
    )]
    MigrateBlobs {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The target: s3://BUCKET/PREFIX, or a folder.
        #[arg(long, value_name = "TARGET")]
        to: String,
        /// For an s3:// target: the endpoint (default: AWS in --s3-region).
        #[arg(long, value_name = "URL")]
        s3_endpoint: Option<String>,
        /// For an s3:// target: the region (default us-east-1).
        #[arg(long, value_name = "REGION")]
        s3_region: Option<String>,
        /// For an s3:// target: path-style addresses (https://host/bucket/key), as MinIO,
        /// SeaweedFS and moto want.
        #[arg(long)]
        s3_path_style: bool,
    },
    /// Copy the SQLite database the configuration names into an empty PostgreSQL database
    /// (every table, in one transaction), then verify the copy as `verify` does. The server
    /// must be stopped; afterwards point `database_url` at PostgreSQL.
    #[command(
        name = "migrate-database",
        after_help = "Example:\n  systemctl stop amanat\n  amanat-server migrate-database --config /var/lib/amanat/srv/config.toml --to postgres://amanat@db.internal/amanat\n  (then set database_url = \"postgres://amanat@db.internal/amanat\" and start the server)\n\nThe PostgreSQL database must exist and hold no keyring. docs/deploy.md, \"Moving to several\nservers\", walks through it."
    )]
    MigrateDatabase {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The empty PostgreSQL database: postgres://user@host/db.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Ask a running server for /v1/health over TLS, trusting only the pinned certificate.
    Healthcheck {
        /// e.g. https://127.0.0.1:8443
        #[arg(long, value_name = "URL")]
        url: String,
        /// The `certificate sha256` printed by `init`.
        #[arg(long, value_name = "HEX")]
        cert_sha256: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init {
            data,
            root_key,
            hostnames,
            database_url,
            listen,
            log_origin,
        } => init(
            InitOptions {
                data_dir: data,
                root_key,
                hostnames,
                database_url,
                listen: None,
            },
            listen,
            log_origin,
        ),
        Command::Serve {
            config,
            listen,
            database_url,
        } => serve(
            config,
            Overrides {
                listen,
                database_url,
            },
        ),
        Command::Healthcheck { url, cert_sha256 } => healthcheck(&url, &cert_sha256),
        Command::Backup { config, out } => backup(config, &out),
        Command::Restore {
            from,
            data,
            database_url,
        } => restore(&from, &data, database_url.as_deref()),
        Command::Verify { config } => verify(config),
        Command::Retention {
            config,
            rules,
            apply,
        } => retention(config, &rules, apply),
        Command::MigrateDatabase { config, to } => migrate_database(config, &to),
        Command::MigrateBlobs {
            config,
            to,
            s3_endpoint,
            s3_region,
            s3_path_style,
        } => migrate_blobs(
            config,
            &to,
            s3_endpoint.as_deref(),
            s3_region.as_deref(),
            s3_path_style,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

fn init(mut opts: InitOptions, listen: Option<String>, log_origin: Option<String>) -> Result {
    opts.listen = listen
        .map(|l| {
            l.parse().map_err(|_| {
                format!("--listen {l:?} is not an IP address and port, e.g. 127.0.0.1:8443")
            })
        })
        .transpose()?;
    let report = amanat_server::init_data_dir_with_log_origin(&opts, log_origin.as_deref())?;
    println!("config: {}", report.config_path.display());
    println!("certificate sha256: {}", report.cert_sha256);
    // For the keyring: `amanat admin keyring set-log --origin … --key …`.
    println!("log origin: {}", report.log_origin);
    println!("log key: {}", report.log_public_key);
    // For witnesses and tlog tools: the same key as a signed-note verifier key.
    let key: [u8; 32] = amanat_protocol::encoding::from_b64("log key", &report.log_public_key)?
        .try_into()
        .map_err(|_| "the log key is not 32 bytes")?;
    let vkey = amanat_protocol::log::note::NoteVerifier::new(&report.log_origin, key)
        .map_err(|e| format!("the log key is unusable: {e}"))?;
    println!("log verifier key: {vkey}");
    Ok(())
}

fn serve(file: Option<PathBuf>, flags: Overrides) -> Result {
    let loaded = Config::load(file.as_deref(), &config::process_env(), &flags)?;
    let config = loaded.config;
    // The witness client's libraries log the addresses they connect to; the server's log
    // holds no address, so they are held to warnings whatever the filter asks for.
    let filter = format!(
        "{},reqwest=warn,hyper_util=warn,hyper=warn",
        config.log.as_deref().unwrap_or("info")
    );
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .map_err(|e| format!("AMANAT_LOG / log is not a valid filter: {e}"))?;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .init();
    for name in &loaded.unknown_env {
        tracing::warn!("ignoring unknown environment variable {name}; check its spelling");
    }
    let listener = TcpListener::bind(config.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let metrics = config
        .metrics_listen
        .map(|a| TcpListener::bind(a).map_err(|e| format!("cannot listen for metrics on {a}: {e}")))
        .transpose()?;
    let metrics_line = match &metrics {
        Some(l) => format!("metrics on http://{}/metrics\n", l.local_addr()?),
        None => String::new(),
    };
    actix_web::rt::System::new().block_on(async move {
        let server = amanat_server::start_with_metrics(&config, listener, metrics)?;
        // The first line on stdout, after the server is accepting: tests and scripts read
        // the real port from it. The second is the link to give complainants (the foundation
        // publishes it with the fingerprint, out of band; the page checks the keyring by it).
        // Formatted first and written with one call (`write!` straight to stdout would
        // write line by line), so a reader that takes the first line and closes the pipe
        // has both already. A closed stdout is no reason to stop serving: it is only logged.
        let root = amanat_protocol::keyring::Fingerprint::of(&config.root_key);
        let compact: String = root.to_string().chars().filter(|c| *c != '-').collect();
        let banner = format!(
            "listening on https://{addr}\nsubmission page: https://{addr}/#root={compact}\n{metrics_line}"
        );
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(banner.as_bytes()).and_then(|()| out.flush()) {
            tracing::warn!("cannot write the listening address to stdout: {e}");
        }
        drop(out);
        tracing::info!("serving");
        server.await?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn healthcheck(url: &str, cert_sha256: &str) -> Result {
    let hostport = url
        .strip_prefix("https://")
        .ok_or("--url must start with https://")?
        .trim_end_matches('/');
    let addr = hostport
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {hostport}: {e}"))?
        .next()
        .ok_or_else(|| format!("{hostport} has no address"))?;
    let pin = tls::PinnedCert::from_hex(cert_sha256)?;
    let body = tls::healthcheck(addr, pin)?;
    println!("{}", body.trim());
    Ok(())
}

fn load_config(file: Option<PathBuf>) -> Result<Config> {
    Ok(Config::load(
        file.as_deref(),
        &config::process_env(),
        &Overrides::default(),
    )?
    .config)
}

fn migrate_database(file: Option<PathBuf>, to: &str) -> Result {
    let config = load_config(file)?;
    if !config.database_url.starts_with("sqlite://") {
        return Err(format!(
            "the configured database is not SQLite ({}); migrate-database copies a SQLite database into PostgreSQL",
            config::redact_url(&config.database_url)
        )
        .into());
    }
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err("--to must be a postgres:// URL".into());
    }
    let source = amanat_server::store::Store::open(&config.database_url)?;
    let target = amanat_server::store::Store::open(to)?;
    let copied = source.copy_into(&target)?;
    for (table, n) in &copied {
        println!("copied {table}: {n} rows");
    }
    let mut moved = config.clone();
    moved.database_url = to.to_owned();
    let v = amanat_server::backup::verify(&moved)?;
    println!(
        "verified: {} documents (every blob re-hashed), log of {} entries, root {}, {} signed checkpoints",
        v.documents, v.log_size, v.log_root, v.checkpoints
    );
    println!(
        "Now set database_url to the PostgreSQL URL (or AMANAT_DATABASE_URL_FILE) and start the server."
    );
    Ok(())
}

fn migrate_blobs(
    file: Option<PathBuf>,
    to: &str,
    endpoint: Option<&str>,
    region: Option<&str>,
    path_style: bool,
) -> Result {
    use amanat_server::blobs::{BlobStore, s3};
    let config = load_config(file)?;
    let target = if to.starts_with("s3://") {
        let bucket = config::BucketConfig::parse(to, endpoint, region, path_style.then_some(true))?;
        let credentials = s3::Credentials::from_env().map_err(amanat_server::Error::Init)?;
        let client = s3::S3::new(&bucket, credentials).map_err(amanat_server::Error::Init)?;
        BlobStore::open_bucket(client).map_err(|source| amanat_server::Error::Io {
            what: format!("cannot open {to}"),
            source,
        })?
    } else {
        BlobStore::open_dir(std::path::Path::new(to)).map_err(|source| {
            amanat_server::Error::Io {
                what: format!("cannot open the folder {to}"),
                source,
            }
        })?
    };
    let m = amanat_server::migrate::migrate_blobs(&config, &target)?;
    println!(
        "migrated: {} blobs copied, {} already there, {} bytes of ciphertext checked in {to}",
        m.copied, m.present, m.bytes
    );
    Ok(())
}

fn backup(file: Option<PathBuf>, out: &std::path::Path) -> Result {
    let config = load_config(file)?;
    let r = amanat_server::backup::backup(&config, out)?;
    println!(
        "backup: {} ({} database, {} blobs, {} bytes of ciphertext)",
        r.dir.display(),
        r.backend,
        r.blobs,
        r.blob_bytes
    );
    println!("It holds the log key and the TLS key: encrypt it before it leaves this machine.");
    Ok(())
}

fn restore(from: &std::path::Path, data: &std::path::Path, database_url: Option<&str>) -> Result {
    let r = amanat_server::backup::restore(from, data, database_url)?;
    println!("config: {}", r.config_path.display());
    println!(
        "verified: {} documents (every blob re-hashed), log of {} entries, root {}, {} signed checkpoints",
        r.documents, r.log_size, r.log_root, r.checkpoints
    );
    println!(
        "Serve it with: amanat-server serve --config {}",
        r.config_path.display()
    );
    Ok(())
}

fn retention(file: Option<PathBuf>, rules: &[String], apply: bool) -> Result {
    let config = load_config(file)?;
    let rules: Vec<amanat_server::service::RetentionRule> = if rules.is_empty() {
        if config.retention.is_empty() {
            return Err("no retention rule: give --rule STATUS:DAYS, or set retention = [\"closed:730\", …] in the config file".into());
        }
        config.retention.clone()
    } else {
        rules
            .iter()
            .map(|r| r.parse().map_err(|e: String| format!("--rule {e}")))
            .collect::<std::result::Result<Vec<_>, String>>()?
    };
    let services = amanat_server::open_services(&config)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let run = services.retention(&rules, now, apply)?;
    if run.candidates.is_empty() {
        println!("No case is reached by these rules.");
        return Ok(());
    }
    for c in &run.candidates {
        let what = if c.held {
            "kept: legal hold"
        } else if run.deleted.contains(&c.case) {
            "deleted"
        } else if apply {
            "kept: changed meanwhile"
        } else {
            "would be deleted"
        };
        println!(
            "{}  {:<10}  last activity {}  {} document(s)  {what}",
            c.case,
            c.status,
            amanat_protocol::time::utc_minute(c.last_activity),
            c.documents
        );
    }
    let held = run.candidates.iter().filter(|c| c.held).count();
    if apply {
        println!(
            "Deleted {} case(s); {held} kept under a legal hold. Each deletion is in the log (entry 07).",
            run.deleted.len()
        );
    } else {
        println!(
            "Dry run: {} case(s) would be deleted, {held} kept under a legal hold. Run again with --apply to delete them.",
            run.candidates.len() - held
        );
    }
    Ok(())
}

fn verify(file: Option<PathBuf>) -> Result {
    let config = load_config(file)?;
    let v = amanat_server::backup::verify(&config)?;
    println!(
        "verified: {} documents (every blob re-hashed), log of {} entries, root {}, {} signed checkpoints",
        v.documents, v.log_size, v.log_root, v.checkpoints
    );
    Ok(())
}
