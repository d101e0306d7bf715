//! `log-bench`: fills a fresh transparency log (SQLite in a temporary directory, PostgreSQL in a
//! fresh database when a URL is given) and measures what the issue asks: append throughput with
//! one append per transaction, and proof latency at the final size. Prints a small table.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use amanat_protocol::DocumentId;
use amanat_protocol::log::entry::{DocumentReceived, Entry};
use amanat_protocol::wire::DocumentKind;
use amanat_server::service::LogSigner;
use amanat_server::service::log::{
    ENTRIES_PER_QUERY, checkpoint, consistency_proof, inclusion_proof, receipt,
};
use amanat_server::store::Store;
use clap::Parser;
use rand::Rng;

#[derive(Parser)]
#[command(
    name = "log-bench",
    about = "Benchmark the transparency log's storage and proofs",
    after_help = "Example:\n  cargo run --release -p amanat-server --bin log-bench -- --entries 1000000 --postgres postgres://postgres@127.0.0.1:5432/postgres"
)]
struct Args {
    /// Size of the log to build (bulk fill plus the single appends).
    #[arg(long, default_value_t = 1_000_000)]
    entries: u64,
    /// Appends per transaction while filling.
    #[arg(long, default_value_t = 10_000)]
    batch: u64,
    /// Appends measured one per transaction (as uploads do), and again with their receipt.
    #[arg(long, default_value_t = 500)]
    single: u64,
    /// Proofs measured, each at a random index or size.
    #[arg(long, default_value_t = 1000)]
    proofs: u64,
    /// Also run against PostgreSQL: a URL of a server where a database may be created
    /// (it is created fresh and dropped afterwards).
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Build the SQLite log in this (new or empty) database file and keep it, e.g. a data
    /// directory's amanat.db, to try the HTTP routes on a large log afterwards.
    #[arg(long, value_name = "FILE")]
    sqlite: Option<PathBuf>,
}

type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result {
    if args.entries < args.single.saturating_mul(2) + 1 || args.batch == 0 || args.proofs == 0 {
        return Err("need --entries > 2 × --single, and --batch, --proofs above 0".into());
    }
    let tag = amanat_protocol::encoding::hex(&rand::random::<[u8; 4]>());
    let mut rows = Vec::new();
    if let Some(file) = &args.sqlite {
        let file = std::path::absolute(file)?;
        rows.push(bench(
            "SQLite",
            &format!("sqlite://{}", file.display()),
            args,
        )?);
    } else {
        let dir = std::env::temp_dir().join(format!("amanat-log-bench-{tag}"));
        std::fs::create_dir(&dir)?;
        let _cleanup = RemoveDir(dir.clone());
        let url = format!("sqlite://{}", dir.join("log.db").display());
        rows.push(bench("SQLite", &url, args)?);
    }
    if let Some(admin) = &args.postgres {
        let db = PgDatabase::create(admin, &format!("amanat_log_bench_{tag}"))?;
        rows.push(bench("PostgreSQL", &db.url, args)?);
    }
    print_table(args, &rows);
    Ok(())
}

struct Row {
    backend: &'static str,
    size: u64,
    fill: Duration,
    single: Duration,
    single_with_receipt: Duration,
    inclusion: Stats,
    consistency: Stats,
    checkpoint: Stats,
    read_all: Duration,
}

struct Stats {
    median: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p99: at(0.99),
    }
}

/// A realistic `01` entry (99 bytes).
fn document_entry(rng: &mut impl Rng) -> Vec<u8> {
    Entry::DocumentReceived(DocumentReceived {
        case: rng.r#gen(),
        document: DocumentId::random(),
        kind: DocumentKind::ALL[rng.gen_range(0..3)],
        sha256: rng.r#gen(),
        length: rng.gen_range(4096..10_000_000),
        received_at: 1_795_000_000 + rng.gen_range(0..10_000_000),
    })
    .encode()
}

fn bench(backend: &'static str, url: &str, args: &Args) -> Result<Row> {
    let store = Store::open(url)?;
    if store.log_size()? != 0 {
        return Err(format!("the {backend} log is not empty; give a fresh database").into());
    }
    let signer = LogSigner::new("amanat.invalid/log-bench", &rand::random())?;
    let mut rng = rand::thread_rng();
    let bulk = args.entries - 2 * args.single;

    eprintln!(
        "{backend}: filling {bulk} entries in batches of {}",
        args.batch
    );
    let started = Instant::now();
    let mut done = 0;
    while done < bulk {
        let n = args.batch.min(bulk - done);
        let entries: Vec<Vec<u8>> = (0..n).map(|_| document_entry(&mut rng)).collect();
        let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        store.append_entries(&refs, 0)?;
        done += n;
        if done % (args.batch * 10) == 0 {
            eprintln!("  {done}");
        }
    }
    let fill = started.elapsed();

    eprintln!("{backend}: {} appends, one per transaction", args.single);
    let started = Instant::now();
    for _ in 0..args.single {
        store.append_entries(&[&document_entry(&mut rng)], 0)?;
    }
    let single = started.elapsed();

    eprintln!("{backend}: {} appends, each with its receipt", args.single);
    let started = Instant::now();
    for _ in 0..args.single {
        let index = store.append_entries(&[&document_entry(&mut rng)], 0)?;
        let logged = store
            .log_entry(index)?
            .ok_or("an entry just appended is missing")?;
        receipt(&store, &signer, &logged)?;
    }
    let single_with_receipt = started.elapsed();

    let size = store.log_size()?;
    eprintln!("{backend}: {} proofs at size {size}", args.proofs);
    let mut inc = Vec::new();
    let mut con = Vec::new();
    let mut cps = Vec::new();
    for _ in 0..args.proofs {
        let index = rng.gen_range(0..size);
        let t = Instant::now();
        let proof = inclusion_proof(&store, index, size)?;
        inc.push(t.elapsed());
        std::hint::black_box(proof);
        let from = rng.gen_range(1..=size);
        let t = Instant::now();
        let proof = consistency_proof(&store, from, size)?;
        con.push(t.elapsed());
        std::hint::black_box(proof);
    }
    for _ in 0..args.proofs.min(200) {
        let t = Instant::now();
        checkpoint(&store, &signer)?;
        cps.push(t.elapsed());
    }

    eprintln!("{backend}: reading all {size} entries as an auditor would");
    let started = Instant::now();
    let mut start = 0;
    let mut bytes = 0usize;
    while start < size {
        let end = (start + ENTRIES_PER_QUERY).min(size);
        bytes += store
            .log_entries(start, end)?
            .iter()
            .map(|e| e.len() + 4)
            .sum::<usize>();
        start = end;
    }
    let read_all = started.elapsed();
    std::hint::black_box(bytes);

    Ok(Row {
        backend,
        size,
        fill,
        single,
        single_with_receipt,
        inclusion: stats(inc),
        consistency: stats(con),
        checkpoint: stats(cps),
        read_all,
    })
}

fn per_sec(n: u64, d: Duration) -> String {
    format!("{:.0}/s", n as f64 / d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn print_table(args: &Args, rows: &[Row]) {
    println!();
    println!(
        "| backend | size | bulk fill ({}/txn) | append, 1/txn | append + receipt, 1/txn | inclusion proof p50 / p99 | consistency proof p50 / p99 | checkpoint p50 / p99 | read all entries |",
        args.batch
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let bulk = r.size - 2 * args.single;
        println!(
            "| {} | {} | {} ({:.1} s) | {} | {} | {} / {} | {} / {} | {} / {} | {:.2} s |",
            r.backend,
            r.size,
            per_sec(bulk, r.fill),
            r.fill.as_secs_f64(),
            per_sec(args.single, r.single),
            per_sec(args.single, r.single_with_receipt),
            ms(r.inclusion.median),
            ms(r.inclusion.p99),
            ms(r.consistency.median),
            ms(r.consistency.p99),
            ms(r.checkpoint.median),
            ms(r.checkpoint.p99),
            r.read_all.as_secs_f64(),
        );
    }
    println!(
        "\nProofs: {} random indexes / sizes each, timed from the node query to the finished proof.",
        args.proofs
    );
}

/// Deletes the temporary SQLite directory, however the run ends.
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A PostgreSQL database made for this run and dropped after it.
struct PgDatabase {
    admin: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn create(admin: &str, name: &str) -> Result<PgDatabase> {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::PgConnection::establish(admin)
            .map_err(|e| format!("cannot connect to --postgres: {e}"))?;
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut c)?;
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b)
            .ok_or("--postgres must end in /DATABASE")?;
        Ok(PgDatabase {
            admin: admin.to_owned(),
            name: name.to_owned(),
            url: format!("{base}/{name}"),
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut c) = diesel::PgConnection::establish(&self.admin) {
            let _ = diesel::sql_query(format!("DROP DATABASE {} WITH (FORCE)", self.name))
                .execute(&mut c);
        }
    }
}
