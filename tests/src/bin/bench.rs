//! The benchmark suite of docs/benchmarks.md (B1–B4): the real `amanat-server` and `amanat`
//! binaries from the same target folder, on 127.0.0.1 over TLS, measured from outside.
//! Run it through `tests/bench.sh`, which builds the release binaries first.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amanat_client::api::{Api, Endpoint};
use amanat_client::complainant;
use amanat_client::document::Outgoing;
use amanat_client::upload::Settings;
use amanat_protocol::codename::CaseKeys;
use amanat_protocol::keyring::{Fingerprint, KeyringPin, SignedKeyring, VerifiedKeyring};
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::wire::DocumentKind;
use amanat_tests::browser::{drive, repo};
use amanat_tests::faults::{Fault, Proxy};
use amanat_tests::{Backend, Cli, Foundation, Server, ServerOptions, bin_dir};

const MIB: u64 = 1024 * 1024;

const USAGE: &str = "\
usage: bench <b1|b2|b3|b4|all> [options]

  b1  throughput: `amanat submit` of one file vs `age -r R -o /dev/null` on it, same run
  b2  memory: peak RSS of server and client moving 10 MiB, 1 GiB and 4 GiB
  b3  resume: cut the connection, or kill the server, at 30/60/90 % of a 1 GiB upload
  b4  many small submissions: concurrent clients, receipts/s and latency
  b5  the web page in Chromium: weight, time to interactive, Argon2id with and without the
      JIT, encrypt+upload of one file vs `amanat submit` (same run), peak browser memory
  b6  several servers on PostgreSQL and an S3 bucket: B4 on 1 and 2 instances, B1 on the
      bucket vs a folder (same run), server peak RSS on the bucket at --sizes-mib

options:
  --size-mib N        B1/B3 file size (default 1024)
  --runs N            B1 repetitions, alternating age and amanat (default 3)
  --sizes-mib A,B,..  B2 sizes (default 10,1024,4096)
  --clients N         B4 concurrent clients (default 32)
  --cases N           B4 cases per client (default 20)
  --postgres URL      B4 also on PostgreSQL (default: $AMANAT_TEST_POSTGRES_URL if set)
  --s3 URL            B6's S3 endpoint, e.g. moto's (default: $AMANAT_TEST_S3_ENDPOINT)
  --data DIR          where the test files go (default target/bench-data)

examples:
  tests/bench.sh b1 --runs 5
  tests/bench.sh b4 --clients 32 --cases 20 --postgres postgres://postgres@127.0.0.1:5432/postgres
  tests/bench.sh b6 --s3 http://127.0.0.1:9055 --postgres postgres://postgres@127.0.0.1:5432/postgres --sizes-mib 10,4096
";

struct Opts {
    size_mib: u64,
    runs: usize,
    sizes_mib: Vec<u64>,
    clients: usize,
    cases: usize,
    postgres: Option<String>,
    s3: Option<String>,
    data: PathBuf,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(which) = args.next() else {
        eprint!("{USAGE}");
        std::process::exit(2);
    };
    if which == "-h" || which == "--help" {
        print!("{USAGE}");
        return;
    }
    let mut o = Opts {
        size_mib: 1024,
        runs: 3,
        sizes_mib: vec![10, 1024, 4096],
        clients: 32,
        cases: 20,
        postgres: std::env::var("AMANAT_TEST_POSTGRES_URL").ok(),
        s3: std::env::var("AMANAT_TEST_S3_ENDPOINT").ok(),
        data: bin_dir().join("../bench-data"),
    };
    while let Some(flag) = args.next() {
        let mut val = || {
            args.next().unwrap_or_else(|| {
                eprintln!("{flag} needs a value\n\n{USAGE}");
                std::process::exit(2)
            })
        };
        match flag.as_str() {
            "--size-mib" => o.size_mib = num(&val()),
            "--runs" => o.runs = num(&val()) as usize,
            "--sizes-mib" => o.sizes_mib = val().split(',').map(num).collect(),
            "--clients" => o.clients = num(&val()) as usize,
            "--cases" => o.cases = num(&val()) as usize,
            "--postgres" => o.postgres = Some(val()),
            "--s3" => o.s3 = Some(val()),
            "--data" => o.data = PathBuf::from(val()),
            _ => {
                eprintln!("unknown option {flag}\n\n{USAGE}");
                std::process::exit(2)
            }
        }
    }
    std::fs::create_dir_all(&o.data).unwrap();
    machine();
    match which.as_str() {
        "b1" => b1(&o),
        "b2" => b2(&o),
        "b3" => b3(&o),
        "b4" => b4(&o),
        "b5" => b5(&o),
        "b6" => b6(&o),
        "all" => {
            b1(&o);
            b2(&o);
            b3(&o);
            b4(&o);
        }
        _ => {
            eprintln!("unknown benchmark {which}\n\n{USAGE}");
            std::process::exit(2)
        }
    }
}

fn num(s: &str) -> u64 {
    s.trim().parse().unwrap_or_else(|_| {
        eprintln!("not a number: {s}");
        std::process::exit(2)
    })
}

fn machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']))
        .unwrap_or("?");
    let cores = cpu.lines().filter(|l| l.starts_with("processor")).count();
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let total = mem.lines().next().unwrap_or("?");
    println!("machine: {cores} × {model}; {total}");
}

/// A file of `mib` MiB of random bytes, made once and reused.
fn data_file(o: &Opts, mib: u64) -> PathBuf {
    let p = o.data.join(format!("random-{mib}MiB.bin"));
    if std::fs::metadata(&p).is_ok_and(|m| m.len() == mib * MIB) {
        return p;
    }
    println!("making {} ({mib} MiB of random bytes)…", p.display());
    let mut rng = std::fs::File::open("/dev/urandom").unwrap();
    let tmp = p.with_extension("part");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).unwrap());
    let mut buf = vec![0u8; MIB as usize];
    for _ in 0..mib {
        rng.read_exact(&mut buf).unwrap();
        out.write_all(&buf).unwrap();
    }
    out.into_inner().unwrap().sync_all().unwrap();
    std::fs::rename(&tmp, &p).unwrap();
    p
}

/// Reads the file once so every timed run finds it in the page cache.
fn warm(p: &Path) {
    let mut f = std::fs::File::open(p).unwrap();
    let mut buf = vec![0u8; MIB as usize];
    while f.read(&mut buf).unwrap() > 0 {}
}

/// A server with a foundation, a reviewer and the log named in the keyring.
struct World {
    foundation: Foundation,
    server: Server,
}

impl World {
    fn new(backend: Backend) -> World {
        World::with_env(backend, &[])
    }

    /// A server started with `env` too (e.g. an S3 bucket's).
    fn with_env(backend: Backend, env: &[(String, String)]) -> World {
        let foundation = Foundation::new();
        foundation.add_staff("alice", "reviewer");
        // At the log level a foundation would run (the tests run at debug, to scan it).
        let mut all: Vec<(&str, &str)> = vec![("AMANAT_LOG", "info")];
        all.extend(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let server = Server::start_with_env(
            &foundation.root_public,
            ServerOptions {
                backend,
                max_document_bytes: None,
                session_ttl_secs: None,
            },
            &all,
        );
        foundation.set_log(&server);
        foundation.publish(&server);
        World { foundation, server }
    }

    fn submit_cmd(&self, cli: &Cli, url: &str, file: &Path) -> Command {
        let mut c = cli.cmd();
        c.args([
            "submit",
            "--quiet",
            "--server",
            url,
            "--server-cert",
            &self.server.cert_sha256,
            "--root",
            &self.foundation.fingerprint,
            "--attach",
        ])
        .arg(file);
        c
    }
}

fn run_ok(mut c: Command) -> (Duration, String) {
    let start = Instant::now();
    let out = c.output().unwrap();
    let took = start.elapsed();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{c:?} failed:\n{text}");
    (took, text)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------
// B1: throughput against age, same run.

fn b1(o: &Opts) {
    println!("\n== B1 throughput: {} MiB, {} runs ==", o.size_mib, o.runs);
    let file = data_file(o, o.size_mib);
    let tiny = o.data.join("tiny.bin");
    std::fs::write(&tiny, b"a tiny attachment").unwrap();
    warm(&file);
    let w = World::new(Backend::Sqlite);
    let recipient = CaseKeys::random().unwrap().recipient().to_string();
    let (mut t_age, mut t_disk, mut t_sub, mut t_tiny) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..o.runs {
        let mut age = Command::new("age");
        age.args(["-r", &recipient, "-o", "/dev/null"]).arg(&file);
        let (a, _) = run_ok(age);
        // The same encryption written durably next to the server's blobs: the peer with the
        // same duty as the server (the bytes are on disk before it says so).
        let out = w.server.data.path().join("age-out.age");
        let mut age = Command::new("age");
        age.args(["-r", &recipient, "-o"]).arg(&out).arg(&file);
        let (ad1, _) = run_ok(age);
        let mut sync = Command::new("sync");
        sync.arg(&out);
        let (ad2, _) = run_ok(sync);
        let ad = ad1 + ad2;
        std::fs::remove_file(&out).unwrap();
        let cli = Cli::new();
        let server_cpu = cpu_secs(w.server.pid());
        let (s, out) = run_ok(timed(w.submit_cmd(&cli, &w.server.url, &file)));
        let server_cpu = cpu_secs(w.server.pid()) - server_cpu;
        let client_cpu = time_line(&out);
        let (t, _) = run_ok(w.submit_cmd(&Cli::new(), &w.server.url, &tiny));
        println!(
            "run {}: age {:.3} s, age to disk + fsync {:.3} s, amanat submit {:.3} s (client CPU {client_cpu:.2} s, server CPU {server_cpu:.2} s), submit of a tiny file {:.3} s",
            run + 1,
            a.as_secs_f64(),
            ad.as_secs_f64(),
            s.as_secs_f64(),
            t.as_secs_f64()
        );
        t_age.push(a.as_secs_f64());
        t_disk.push(ad.as_secs_f64());
        t_sub.push(s.as_secs_f64());
        t_tiny.push(t.as_secs_f64());
    }
    let (a, s, t) = (median(&mut t_age), median(&mut t_sub), median(&mut t_tiny));
    let ad = median(&mut t_disk);
    let mib = o.size_mib as f64;
    println!(
        "B1 medians: age {a:.3} s ({:.0} MiB/s); amanat submit {s:.3} s ({:.0} MiB/s); fixed cost (tiny submit, Argon2id + case + keyring) {t:.3} s",
        mib / a,
        mib / s
    );
    println!(
        "B1 ratio (age time / submit time): {:.2} whole command; {:.2} without the fixed cost",
        a / s,
        a / (s - t).max(1e-9)
    );
    println!(
        "B1 ratio against age writing to disk with fsync ({ad:.3} s, {:.0} MiB/s): {:.2} whole command; {:.2} without the fixed cost",
        mib / ad,
        ad / s,
        ad / (s - t).max(1e-9)
    );
}

/// The same command under GNU time, which reports its CPU seconds on the last line.
fn timed(inner: Command) -> Command {
    let mut c = Command::new("/usr/bin/time");
    c.args(["-f", "CPU %U %S"])
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear();
    for (k, v) in inner.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    if let Some(d) = inner.get_current_dir() {
        c.current_dir(d);
    }
    c.stdin(Stdio::null());
    c
}

fn time_line(out: &str) -> f64 {
    out.lines()
        .rev()
        .find_map(|l| l.strip_prefix("CPU "))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|v| v.parse::<f64>().ok())
                .sum()
        })
        .unwrap_or(f64::NAN)
}

/// User + system CPU seconds a process has used so far (/proc/PID/stat, clock ticks).
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat: 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

// ---------------------------------------------------------------------------------------
// B2: peak memory of both processes.

/// `VmHWM` (peak resident set) and `VmRSS` of a process, in KiB.
fn mem_kib(pid: u32) -> Option<(u64, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

fn b2(o: &Opts) {
    println!("\n== B2 memory: sizes {:?} MiB ==", o.sizes_mib);
    for &mib in &o.sizes_mib {
        let file = data_file(o, mib);
        let w = World::new(Backend::Sqlite);
        let cli = Cli::new();
        let mut cmd = w.submit_cmd(&cli, &w.server.url, &file);
        cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().unwrap();
        let pid = child.id();
        // The case exists (so Argon2id is done) once the CLI prints its id.
        let created = Arc::new(Mutex::new(false));
        let c2 = created.clone();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stdout).lines() {
                let line = line.unwrap_or_default();
                if line.starts_with("Case ") && line.ends_with(" created.") {
                    *c2.lock().unwrap() = true;
                }
                all.push_str(&line);
                all.push('\n');
            }
            all
        });
        let (mut hwm, mut upload_peak) = (0u64, 0u64);
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if let Some((h, rss)) = mem_kib(pid) {
                hwm = hwm.max(h);
                if *created.lock().unwrap() {
                    upload_peak = upload_peak.max(rss);
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let took = start.elapsed();
        let status = child.wait().unwrap();
        let out = reader.join().unwrap();
        assert!(status.success(), "submit failed:\n{out}");
        let (server_hwm, _) = mem_kib(w.server.pid()).unwrap();
        println!(
            "B2 {mib} MiB: client peak {:.1} MiB (whole run, incl. Argon2id), client peak after key derivation {:.1} MiB, server peak {:.1} MiB; {:.1} s",
            hwm as f64 / 1024.0,
            upload_peak as f64 / 1024.0,
            server_hwm as f64 / 1024.0,
            took.as_secs_f64()
        );
    }
}

// ---------------------------------------------------------------------------------------
// B3: resume after a cut connection or a killed server.

fn b3(o: &Opts) {
    println!("\n== B3 resume: {} MiB ==", o.size_mib);
    let file = data_file(o, o.size_mib);
    let mut w = World::new(Backend::Sqlite);
    let size = o.size_mib * MIB;

    // The bytes a clean upload puts on the wire (TLS and HTTP included) are the baseline.
    let proxy = Proxy::for_url(&w.server.url);
    let (t, _) = run_ok(w.submit_cmd(&Cli::new(), &proxy.url(), &file));
    let clean = proxy.forwarded();
    println!(
        "clean: {:.1} MiB on the wire in {:.1} s",
        clean as f64 / MIB as f64,
        t.as_secs_f64()
    );
    for fault in ["cut", "kill"] {
        for pct in [30u64, 60, 90] {
            let proxy = Proxy::for_url(&w.server.url);
            let at = size * pct / 100;
            let cli = Cli::new();
            let cmd = w.submit_cmd(&cli, &proxy.url(), &file);
            let start = Instant::now();
            let out = if fault == "cut" {
                proxy.arm(at, Fault::Cut);
                run_ok(cmd).1
            } else {
                proxy.arm(at, Fault::Hold);
                let client = std::thread::spawn(move || run_ok(cmd).1);
                proxy.wait_for_fault(Duration::from_secs(600));
                w.server.restart();
                proxy.set_upstream_url(&w.server.url);
                proxy.release();
                client.join().unwrap()
            };
            let took = start.elapsed();
            let resent = proxy.forwarded().saturating_sub(clean);
            let verified = stored_matches(&w.server, size);
            println!(
                "B3 {fault} at {pct} %: completed in {:.1} s, {:.1} MiB re-sent ({:.2} % of the file), stored ciphertext hash matches: {verified}",
                took.as_secs_f64(),
                resent as f64 / MIB as f64,
                resent as f64 * 100.0 / size as f64,
            );
            assert!(verified, "{out}");
        }
    }
}

/// Every stored blob at least `size` long is named by its own SHA-256 (the server checked
/// it against the client's hash before committing), and none is truncated.
fn stored_matches(server: &Server, size: u64) -> bool {
    use sha2::Digest;
    let big: Vec<PathBuf> = server
        .blob_files()
        .into_iter()
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() >= size))
        .collect();
    !big.is_empty()
        && big.iter().all(|p| {
            let mut f = std::fs::File::open(p).unwrap();
            let mut h = sha2::Sha256::new();
            let mut buf = vec![0u8; MIB as usize];
            loop {
                let n = f.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
            p.to_string_lossy().contains(&hex)
        })
}

// ---------------------------------------------------------------------------------------
// B4: many small complete submissions at once.

fn b4(o: &Opts) {
    println!(
        "\n== B4 many small submissions: {} clients × {} cases ==",
        o.clients, o.cases
    );
    b4_on(o, Backend::Sqlite, "SQLite");
    match &o.postgres {
        Some(url) => b4_on(
            o,
            Backend::Postgres(amanat_tests::fresh_postgres_database(url)),
            "PostgreSQL",
        ),
        None => println!("B4 PostgreSQL: skipped (no --postgres URL)"),
    }
}

/// One worker's view of the foundation: the root, the verified keyring and the log key.
struct Prepared {
    root: Fingerprint,
    keyring: VerifiedKeyring,
    log: NoteVerifier,
}

fn b4_on(o: &Opts, backend: Backend, label: &str) {
    let w = World::new(backend);
    b4_run(o, &w, &[&w.server], label);
}

/// B4 against `servers` (instances of one deployment): client `i` uses server `i % n`.
fn b4_run(o: &Opts, w: &World, servers: &[&Server], label: &str) {
    let fp = Fingerprint::parse(&w.foundation.fingerprint).unwrap();
    let http = w.server.http();
    let signed: SignedKeyring =
        serde_json::from_slice(&http.get("/v1/keyring", None).body).expect("the server's keyring");
    let keyring = KeyringPin::new(fp).accept(&signed).unwrap();
    let log = keyring.keyring().log.as_ref().unwrap().verifier().unwrap();
    let prepared = Arc::new(Prepared {
        root: fp,
        keyring,
        log,
    });
    let endpoints: Vec<Endpoint> = servers
        .iter()
        .map(|s| Endpoint::new(&s.url, Some(&s.cert_sha256), None).unwrap())
        .collect();

    // Case keys come from random seeds, made before the clock starts: Argon2id (64 MiB,
    // t=3) is the complainant's device's work, not the server's, and would measure only
    // how fast this 2-core machine hashes passwords for 32 clients at once.
    let keys: Vec<Vec<CaseKeys>> = (0..o.clients)
        .map(|_| (0..o.cases).map(|_| CaseKeys::random().unwrap()).collect())
        .collect();
    println!(
        "B4 {label}: proof of work at the test difficulty ({} bits, raised by the server as solutions pile up); at the production 18 bits solving is, like Argon2id, the complainant's device's work",
        amanat_tests::TEST_POW_BITS
    );
    let poa = vec![0x5au8; 46 * 1024];
    let form = form_json();
    let servers_cpu = || servers.iter().map(|s| cpu_secs(s.pid())).sum::<f64>();
    let server_cpu = servers_cpu();
    let own_cpu = cpu_secs(std::process::id());
    let start = Instant::now();
    let workers: Vec<_> = keys
        .into_iter()
        .enumerate()
        .map(|(i, mine)| {
            let endpoint = endpoints[i % endpoints.len()].clone();
            let prepared = prepared.clone();
            let (poa, form) = (poa.clone(), form.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                for keys in mine {
                    let t = Instant::now();
                    let receipts = submit_case(&endpoint, &prepared, &keys, &form, &poa);
                    assert_eq!(receipts, 2);
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<f64> = workers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let took = start.elapsed().as_secs_f64();
    let server_cpu = servers_cpu() - server_cpu;
    let own_cpu = cpu_secs(std::process::id()) - own_cpu;
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    let cases = lat.len() as f64;
    println!(
        "B4 {label}: {} cases ({} receipts) in {took:.2} s: {:.0} receipts/s, {:.0} cases/s; per complete case p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        lat.len(),
        lat.len() * 2,
        cases * 2.0 / took,
        cases / took,
        pct(0.50),
        pct(0.99),
        lat[lat.len() - 1],
    );
    let receipts = cases * 2.0;
    println!(
        "B4 {label}: CPU per receipt: server {:.2} ms, these {} clients {:.2} ms (both on the same 2 cores); the server alone on both cores would allow about {:.0} receipts/s",
        server_cpu * 1000.0 / receipts,
        o.clients,
        own_cpu * 1000.0 / receipts,
        2.0 * receipts / server_cpu.max(1e-9),
    );
}

// ---------------------------------------------------------------------------------------
// B6: several servers on PostgreSQL and an S3-compatible bucket (issue 13).

fn b6(o: &Opts) {
    let (Some(pg), Some(s3)) = (&o.postgres, &o.s3) else {
        eprintln!(
            "b6 needs --postgres URL and --s3 URL (or AMANAT_TEST_POSTGRES_URL and AMANAT_TEST_S3_ENDPOINT)"
        );
        std::process::exit(2)
    };
    let pg_db = || Backend::Postgres(amanat_tests::fresh_postgres_database(pg));
    let bucket = || amanat_tests::bucket::TestBucket::create(s3);
    println!(
        "\n== B6 PostgreSQL + S3: B4 with {} clients × {} cases on 1 and 2 instances ==",
        o.clients, o.cases
    );
    let w = World::with_env(pg_db(), &bucket().env());
    b4_run(o, &w, &[&w.server], "PostgreSQL + S3, 1 instance");
    drop(w);
    let w = World::with_env(pg_db(), &bucket().env());
    let twin = w.server.twin();
    b4_run(o, &w, &[&w.server, &twin], "PostgreSQL + S3, 2 instances");
    drop(twin);
    drop(w);

    println!(
        "\n== B6 B1 on the bucket vs a folder (PostgreSQL both): {} MiB, {} runs ==",
        o.size_mib, o.runs
    );
    let file = data_file(o, o.size_mib);
    warm(&file);
    let folder = World::new(pg_db());
    let on_s3 = World::with_env(pg_db(), &bucket().env());
    let (mut t_dir, mut t_s3) = (Vec::new(), Vec::new());
    for run in 0..o.runs {
        let (d, _) = run_ok(folder.submit_cmd(&Cli::new(), &folder.server.url, &file));
        let (s, _) = run_ok(on_s3.submit_cmd(&Cli::new(), &on_s3.server.url, &file));
        println!(
            "run {}: folder {:.3} s, S3 {:.3} s",
            run + 1,
            d.as_secs_f64(),
            s.as_secs_f64()
        );
        t_dir.push(d.as_secs_f64());
        t_s3.push(s.as_secs_f64());
    }
    let (d, s) = (median(&mut t_dir), median(&mut t_s3));
    let mib = o.size_mib as f64;
    println!(
        "B6 B1 medians: folder {d:.3} s ({:.0} MiB/s), S3 {s:.3} s ({:.0} MiB/s); ratio (folder time / S3 time) {:.2}",
        mib / d,
        mib / s,
        d / s
    );
    drop(folder);
    drop(on_s3);

    println!(
        "\n== B6 server peak RSS on the bucket: {:?} MiB ==",
        o.sizes_mib
    );
    for &mib in &o.sizes_mib {
        let file = data_file(o, mib);
        let w = World::with_env(pg_db(), &bucket().env());
        let (took, _) = run_ok(w.submit_cmd(&Cli::new(), &w.server.url, &file));
        let (server_hwm, _) = mem_kib(w.server.pid()).unwrap();
        println!(
            "B6 {mib} MiB on S3: server peak {:.1} MiB; {:.1} s",
            server_hwm as f64 / 1024.0,
            took.as_secs_f64()
        );
    }
}

fn form_json() -> Vec<u8> {
    let mut s = String::from("{\"schema\":2,\"language\":\"ru\",\"narrative\":\"");
    while s.len() < 3 * 1024 {
        s.push_str("Задержан на мирном митинге, доставлен в отдел полиции. ");
    }
    s.push_str("\"}");
    s.into_bytes()
}

/// What `amanat submit --form F --poa P` does, through the same client library, with keys
/// already derived: create the case with a grant per reviewer, sign in, send both documents,
/// check both receipts against the log key and what was sent. Returns the receipts verified.
fn submit_case(
    endpoint: &Endpoint,
    p: &Prepared,
    keys: &CaseKeys,
    form: &[u8],
    poa: &[u8],
) -> usize {
    let mut api = Api::connect(endpoint).unwrap();
    let mut keyring = p.keyring.clone();
    let mut pin = KeyringPin::new(p.root);
    let case_id = complainant::create_case(&api, keys, &mut keyring, &mut pin).unwrap();
    api.login(keys.auth()).unwrap();
    let docs = vec![
        Outgoing::memory(
            DocumentKind::AppealForm,
            Some("appeal-form.json"),
            "application/json",
            form.to_vec(),
        ),
        Outgoing::memory(
            DocumentKind::PowerOfAttorney,
            Some("poa.pdf"),
            "application/pdf",
            poa.to_vec(),
        ),
    ];
    let sent = complainant::upload_all(
        &mut api,
        case_id,
        keys,
        docs,
        Some(&p.log),
        &Settings::default(),
        &mut complainant::quiet,
    )
    .unwrap();
    sent.iter().filter(|d| d.receipt.is_some()).count()
}

// ---------------------------------------------------------------------------------------
// B5: the web page in Debian's Chromium (web/test/drive.mjs), against the same server.

/// Resident memory (KiB) of every process below `root`: (largest one, all together).
fn tree_rss(root: u32) -> (u64, u64) {
    let mut parent = std::collections::HashMap::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        if let Some(pp) = rest
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse::<u32>().ok())
        {
            parent.insert(pid, pp);
        }
    }
    let below = |mut p: u32| loop {
        match parent.get(&p) {
            Some(&pp) if pp == root => return true,
            Some(&pp) if pp > 1 => p = pp,
            _ => return false,
        }
    };
    let (mut max, mut sum) = (0, 0);
    for &pid in parent.keys() {
        if below(pid) {
            let rss = mem_kib(pid).map(|m| m.1).unwrap_or(0);
            max = max.max(rss);
            sum += rss;
        }
    }
    (max, sum)
}

fn b5(o: &Opts) {
    println!("\n== B5 the web page: {} MiB ==", o.size_mib);
    let mut raw = 0;
    let mut gz = 0;
    for name in [
        "index.html",
        "app.js",
        "worker.js",
        "style.css",
        "favicon.svg",
    ] {
        let p = repo().join("web/dist").join(name);
        let r = std::fs::metadata(&p).unwrap().len();
        let z = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(&p)
            .output()
            .unwrap()
            .stdout
            .len() as u64;
        println!("  {name:<12} {r:>8} bytes, {z:>7} gzipped");
        raw += r;
        gz += z;
    }
    println!(
        "B5 page weight: {raw} bytes, {gz} gzipped ({:.0} KiB)",
        gz as f64 / 1024.0
    );

    let w = World::new(Backend::Sqlite);
    let shots = bin_dir().join("../bench-web");
    let v1 = amanat_protocol::codename::Codename::generate_version(
        amanat_protocol::codename::KdfVersion::V1,
    );
    let v2 = amanat_protocol::codename::Codename::generate();
    for jitless in [false, true] {
        let r = drive(
            &serde_json::json!({
                "mode": "load", "url": w.server.url, "root": w.foundation.fingerprint,
                "lang": "en", "shots": shots, "jitless": jitless,
                "codenames": [v2.dangerously_reveal(), v1.dangerously_reveal()],
            }),
            |_| {},
        );
        println!(
            "B5 {}: interactive (keyring verified) after {:.0} ms; Argon2id v2 (8 MiB, t=2): {}; v1 (64 MiB, t=3): {}",
            if jitless {
                "without JIT (--jitless)"
            } else {
                "with JIT"
            },
            r["interactiveMs"].as_f64().unwrap_or(f64::NAN),
            r["kdfs"][0],
            r["kdfs"][1]
        );
    }

    let file = data_file(o, o.size_mib);
    warm(&file);
    let poa = o.data.join("poa.pdf");
    std::fs::write(&poa, b"%PDF-1.4 a power of attorney").unwrap();
    let (mut peak_one, mut peak_all) = (0u64, 0u64);
    let receipts = tempfile::tempdir().unwrap();
    let r = drive(
        &serde_json::json!({
            "mode": "submit", "tag": "bench", "url": w.server.url, "root": w.foundation.fingerprint,
            "lang": "en", "shots": shots, "receiptDir": receipts.path(),
            "form": {"fields": {"surname": "Bench", "given_name": "Mark"}},
            "poa": poa, "attachments": [file],
        }),
        |pid| {
            let (one, all) = tree_rss(pid);
            peak_one = peak_one.max(one);
            peak_all = peak_all.max(all);
        },
    );
    let browser = r["seconds"].as_f64().unwrap();
    let (cli, _) = run_ok(w.submit_cmd(&Cli::new(), &w.server.url, &file));
    let cli = cli.as_secs_f64();
    let mib = o.size_mib as f64;
    println!(
        "B5 encrypt+upload of {} MiB: page {browser:.1} s ({:.1} MiB/s), amanat submit {cli:.1} s ({:.1} MiB/s); ratio page/CLI throughput {:.2}",
        o.size_mib,
        mib / browser,
        mib / cli,
        cli / browser
    );
    println!(
        "B5 peak browser memory during that upload: largest process {:.0} MiB, all Chromium processes {:.0} MiB",
        peak_one as f64 / 1024.0,
        peak_all as f64 / 1024.0
    );
}
