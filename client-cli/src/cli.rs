//! The command line: subcommands grouped by role, each with an example in its help.
//! Parsing only; the work happens in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "amanat",
    version,
    about = "Amanat: send an appeal and a power of attorney to the foundation, encrypted on this device.",
    long_about = "Amanat: send an appeal and a power of attorney to the foundation, encrypted on this device.\n\nBy default this program writes nothing to disk: no configuration, no cache, no history.",
    after_help = "Examples:\n  amanat demo                      # the whole journey against a throwaway local server\n  amanat submit --server https://… --root XXXX-… --form appeal.json --poa poa.pdf\n  amanat staff login --key me.key --server https://… --root XXXX-…"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Send an appeal form, a power of attorney and attachments (complainants).
    #[command(
        after_help = "Example:\n  amanat submit --server https://127.0.0.1:8443 --server-cert 3f9a… \\\n      --root 7ZQK-3M0A-… --form appeal.json --poa poa.pdf --attach photo.jpg\n\nA new codename is printed once. Learn it by heart: it is the only way back to your case.\nNothing is written to this device."
    )]
    Submit(SubmitArgs),
    /// Come back with your codename: read the foundation's replies (complainants).
    #[command(
        after_help = "Example:\n  amanat inbox --server https://127.0.0.1:8443 --server-cert 3f9a… --root 7ZQK-3M0A-…\n\nYou type the codename; it is not shown and never stored. Replies are shown, not saved,\nunless you pass --save DIR."
    )]
    Inbox(InboxArgs),
    /// Withdraw your case: delete it, its documents and the foundation's replies from the
    /// server for good (complainants).
    #[command(
        after_help = "Example:\n  amanat withdraw --server https://127.0.0.1:8443 --server-cert 3f9a… --root 7ZQK-3M0A-…\n\nYou type the codename, then WITHDRAW to confirm. Reviewers who already downloaded your\ndocuments keep those copies; the public log keeps only hashes and a record of the deletion."
    )]
    Withdraw(WithdrawArgs),
    /// Practise your codename: checks that it is well-formed, without contacting anyone.
    #[command(subcommand)]
    Codename(CodenameCommand),
    /// Foundation staff: keys, login, cases.
    #[command(subcommand)]
    Staff(StaffCli),
    /// The admin: the root key and the keyring.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Auditors: check receipts and the whole log, without reading any document.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// A partner organisation's witness: cosigns the log's checkpoints only as it grows.
    #[cfg(feature = "ui")]
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Run the whole journey against a throwaway server on this machine, narrating each step.
    #[cfg(feature = "demo")]
    #[command(
        after_help = "Example:\n  amanat demo\n\nStarts a server on a free loopback port with a temporary SQLite database, plays every\nrole, shows what the server stored (ciphertext only), then deletes everything."
    )]
    Demo(DemoArgs),
}

/// How to reach the server.
#[derive(Args, Debug, Clone)]
pub struct ServerArgs {
    /// The server's address, e.g. https://127.0.0.1:8443
    #[arg(long, env = "AMANAT_SERVER", value_name = "URL")]
    pub server: String,
    /// Trust the server's certificate by its SHA-256 (printed by `amanat-server init`)
    /// instead of the system's certificate authorities.
    #[arg(long, env = "AMANAT_SERVER_CERT", value_name = "SHA256")]
    pub server_cert: Option<String>,
    /// Send all traffic through a proxy, e.g. Tor: socks5h://127.0.0.1:9050
    #[arg(long, env = "AMANAT_PROXY", value_name = "URL")]
    pub proxy: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct RootArgs {
    /// The foundation's root fingerprint, as published by the foundation (e.g. 7ZQK-3M0A-…)
    #[arg(long, env = "AMANAT_ROOT", value_name = "FINGERPRINT")]
    pub root: String,
    /// Refuse keyrings older than this version (if the foundation told you its current one).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub min_keyring_version: u64,
}

#[derive(Args, Debug, Clone)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub root: RootArgs,
    /// The appeal form, as JSON (see docs/guides/complainant.md for the fields).
    #[arg(long, value_name = "FILE")]
    pub form: Option<PathBuf>,
    /// The power of attorney: a scan or photo of the signed page.
    #[arg(long, value_name = "FILE")]
    pub poa: Option<PathBuf>,
    /// More files: photos, court papers, video. Repeat for each file.
    #[arg(long = "attach", value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// Save the receipts (one `.tlog-proof` file per document) into this folder. Without it,
    /// nothing is written to this device: receipts are only printed.
    #[arg(long, value_name = "DIR")]
    pub receipt: Option<PathBuf>,
    /// The language of the questions and messages: kk, ru or en (default: from the locale).
    /// Without --form, a wizard asks for the appeal form in the terminal.
    #[arg(long, env = "AMANAT_LANG", value_name = "kk|ru|en")]
    pub lang: Option<String>,
    /// Keep the ciphertext of each large document in DIR until the server has all of it, so
    /// that if this program stops mid-way, running it again with --codename-stdin, the same
    /// files and the same DIR resumes instead of starting again. DIR then holds, per
    /// document, `<id>.age` (the encrypted document, readable only with your codename or a
    /// reviewer's key) and `<id>.json` (upload id, document id, kind and lengths:
    /// no codename, key, file name, server address or case). Both are deleted once the
    /// server has the document. Without this flag nothing is written to disk.
    #[arg(long, value_name = "DIR")]
    pub resume_dir: Option<PathBuf>,
    /// Print no progress (bars, rates, retries) on standard error.
    #[arg(long)]
    pub quiet: bool,
    /// When the foundation's keyring asks for witness cosignatures, wait this long after the
    /// last document for the witnesses to vouch for the receipts (they cosign within seconds).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub witness_wait: u64,
    /// Add documents to your existing case: read the codename from standard input (never
    /// from the command line, where it would stay in the shell's history).
    #[arg(long)]
    pub codename_stdin: bool,
}

#[derive(Args, Debug, Clone)]
pub struct InboxArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub root: RootArgs,
    /// Read the codename from standard input instead of a hidden prompt (for scripts).
    #[arg(long)]
    pub codename_stdin: bool,
    /// Also save the replies into this folder (otherwise nothing is written).
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub root: RootArgs,
    /// Read the codename from standard input instead of a hidden prompt (for scripts; needs --yes).
    #[arg(long)]
    pub codename_stdin: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Subcommand, Debug)]
pub enum CodenameCommand {
    /// Type your codename (it is not shown) and hear whether it is well-formed.
    #[command(
        after_help = "Example:\n  amanat codename check\n  echo 'word word …' | amanat codename check --stdin"
    )]
    Check {
        /// Read the codename from standard input instead of a hidden prompt.
        #[arg(long)]
        stdin: bool,
    },
}

#[derive(Args, Debug, Clone)]
pub struct PassphraseArgs {
    /// Read the passphrase from the first line of this file (default: AMANAT_PASSPHRASE, else a prompt).
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct SessionArgs {
    /// Where `staff login` keeps the session (server, pins and a short-lived token).
    #[arg(long, env = "AMANAT_SESSION", value_name = "FILE")]
    pub session: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct StaffKeyArgs {
    /// Your staff key file (made by `amanat staff keygen`).
    #[arg(long, env = "AMANAT_STAFF_KEY", value_name = "FILE")]
    pub key: PathBuf,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
}

/// The staff subcommands: the core ones, plus the report and the search over decrypted
/// cases (kept apart so each has its own module).
#[derive(Subcommand, Debug)]
pub enum StaffCli {
    #[command(flatten)]
    Core(StaffCommand),
    /// Write the annex and the figures from every case you can open (decrypted in memory).
    #[command(
        after_help = "Example:\n  amanat staff report --out ./annex --format md,csv,html --key aigerim.key\n  amanat staff report --out ./annex --encrypt --key aigerim.key\n\nOnly complete cases (appeal form + accepted power of attorney) are listed, with only the\nfields each person agreed to publish, in Russian collation. Nothing else is written to disk;\nwith --encrypt, not even the report is plaintext: it is age-encrypted to your own key."
    )]
    Report(ReportArgs),
    /// Find cases by name, place or words, ignoring case and Cyrillic/Latin spelling.
    #[command(
        after_help = "Example:\n  amanat staff search 'Nurlan Yerlanuly' --key aigerim.key\n  amanat staff search Қарағанды --key aigerim.key\n\nCases are decrypted in memory; results are printed, nothing is written to disk."
    )]
    Search(SearchArgs),
    /// The staff workspace in your browser: list, filter, read, decide and acknowledge cases.
    #[command(
        after_help = "Example:\n  amanat staff ui --key aigerim.key\n  amanat staff ui --key aigerim.key --idle-lock 5m --lang ru --no-open\n\nIt serves a page on 127.0.0.1 only, to the one browser that opens the printed link (the\nlink works once). Everything is decrypted by this process, in memory; the page locks and\nforgets it all after --idle-lock without use, and asks for your passphrase again.\nSign in first with `amanat staff login`."
    )]
    Ui(UiArgs),
}

#[derive(Args, Debug, Clone)]
pub struct UiArgs {
    /// Lock after this long without use (the key and everything decrypted are dropped):
    /// 90s, 15m, 1h.
    #[arg(long, default_value = "15m", value_name = "TIME")]
    pub idle_lock: String,
    /// The workspace's language: kk, ru or en (default: from the locale); it can be changed
    /// in the page.
    #[arg(long, env = "AMANAT_LANG", value_name = "kk|ru|en")]
    pub lang: Option<String>,
    /// Print the link but do not ask the desktop to open it.
    #[arg(long)]
    pub no_open: bool,
    /// Listen on this port of 127.0.0.1 (default: any free one).
    #[arg(long)]
    pub port: Option<u16>,
    #[command(flatten)]
    pub key: StaffKeyArgs,
    #[command(flatten)]
    pub session: SessionArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// Folder to write the report into (created; must be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Comma-separated: md, csv, html (and json for the raw figures).
    #[arg(long, value_delimiter = ',', default_value = "md,csv,html")]
    pub format: Vec<String>,
    /// Write every file age-encrypted to your own key instead of in plaintext.
    #[arg(long)]
    pub encrypt: bool,
    /// The report's language: kk, ru or en (default: from the locale). Names are sorted in
    /// Russian order whatever the language.
    #[arg(long, env = "AMANAT_LANG", value_name = "kk|ru|en")]
    pub lang: Option<String>,
    #[command(flatten)]
    pub key: StaffKeyArgs,
    #[command(flatten)]
    pub session: SessionArgs,
}

#[derive(Args, Debug, Clone)]
pub struct SearchArgs {
    /// Words to look for; every word must occur.
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    #[arg(long, env = "AMANAT_LANG", value_name = "kk|ru|en")]
    pub lang: Option<String>,
    #[command(flatten)]
    pub key: StaffKeyArgs,
    #[command(flatten)]
    pub session: SessionArgs,
}

#[derive(Subcommand, Debug)]
pub enum StaffCommand {
    /// Make your keys: an age identity (to read cases) and an Ed25519 key (to sign in).
    #[command(
        after_help = "Example:\n  amanat staff keygen --id aigerim --name 'Aigerim S.' --out aigerim.key --public-out aigerim.pub\n\nGive aigerim.pub to the admin; keep aigerim.key and its passphrase to yourself."
    )]
    Keygen {
        /// Short id: a-z, 0-9, '.', '_', '-'.
        #[arg(long)]
        id: String,
        /// Your name as colleagues know it.
        #[arg(long)]
        name: String,
        /// The secret key file to write (encrypted with your passphrase).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also write the public part here (it is printed either way).
        #[arg(long, value_name = "FILE")]
        public_out: Option<PathBuf>,
        #[command(flatten)]
        passphrase: PassphraseArgs,
    },
    /// Sign in: prove you hold a key in the foundation's keyring.
    #[command(
        after_help = "Example:\n  amanat staff login --key aigerim.key --server https://127.0.0.1:8443 --server-cert 3f9a… --root 7ZQK-…"
    )]
    Login {
        #[command(flatten)]
        key: StaffKeyArgs,
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        root: RootArgs,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Set a case's status (new, in-review, needs-info, complete, included, rejected, closed).
    #[command(
        after_help = "Example:\n  amanat staff status 0b6e3c1a-… in-review\n  amanat staff status 0b6e3c1a-… complete --version 3\n\nIf someone changed the case since the version you saw, nothing changes and you are told who did what."
    )]
    Status {
        case: String,
        status: String,
        /// The case version you saw (from `staff cases`); default: the current one.
        #[arg(long)]
        version: Option<i64>,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Put a legal hold on a case, so the retention rules never delete it (or --release it).
    #[command(
        after_help = "Example:\n  amanat staff hold 0b6e3c1a-…\n  amanat staff hold 0b6e3c1a-… --release\n\nThe hold and who put it on are in the case's activity and the public log. A complainant\ncan still withdraw their own case."
    )]
    Hold {
        case: String,
        #[arg(long)]
        release: bool,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Assign a case to a reviewer (or --unassign).
    #[command(
        after_help = "Example:\n  amanat staff assign 0b6e3c1a-… --to bob\n  amanat staff assign 0b6e3c1a-… --unassign"
    )]
    Assign {
        case: String,
        #[arg(
            long,
            value_name = "STAFF",
            conflicts_with = "unassign",
            required_unless_present = "unassign"
        )]
        to: Option<String>,
        #[arg(long)]
        unassign: bool,
        #[arg(long)]
        version: Option<i64>,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Write a note for the other reviewers (never shown to the complainant); text from stdin.
    #[command(
        after_help = "Example:\n  echo 'Called the lawyer; hearing moved to 12 May.' | amanat staff note 0b6e3c1a-… --key aigerim.key"
    )]
    Note {
        case: String,
        #[command(flatten)]
        key: StaffKeyArgs,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Reply to the complainant (they read it with their codename); text from stdin.
    #[command(
        after_help = "Example:\n  amanat staff reply 0b6e3c1a-… --key aigerim.key < reply.txt"
    )]
    Reply {
        case: String,
        #[command(flatten)]
        key: StaffKeyArgs,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Let a reviewer who joined later open a case (after checking them in the keyring).
    #[command(after_help = "Example:\n  amanat staff share 0b6e3c1a-… --to bob --key aigerim.key")]
    Share {
        case: String,
        #[arg(long, value_name = "STAFF")]
        to: String,
        #[command(flatten)]
        key: StaffKeyArgs,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Share every case you can open with a reviewer who joined later.
    #[command(after_help = "Example:\n  amanat staff rekey --to bob --key aigerim.key")]
    Rekey {
        #[arg(long, value_name = "STAFF")]
        to: String,
        #[command(flatten)]
        key: StaffKeyArgs,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Sign out and forget the session.
    Logout {
        #[command(flatten)]
        session: SessionArgs,
    },
    /// List cases: id, status, documents received, time.
    #[command(after_help = "Example:\n  amanat staff cases")]
    Cases {
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Acknowledge a power of attorney: sign your verdict and have it logged.
    #[command(
        after_help = "Example:\n  amanat staff ack 0b6e3c1a-… --poa 5d1f…-… --accept --key aigerim.key\n  amanat staff ack 0b6e3c1a-… --poa 5d1f…-… --reject 2 --key aigerim.key"
    )]
    Ack {
        case: String,
        /// The power of attorney's document id (from `amanat staff open`).
        #[arg(long, value_name = "DOC")]
        poa: String,
        #[command(flatten)]
        verdict: VerdictArgs,
        /// Save the receipt here.
        #[arg(long, value_name = "FILE")]
        receipt: Option<PathBuf>,
        #[command(flatten)]
        key: StaffKeyArgs,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Acknowledge many powers of attorney at once, unlocking your key only once.
    #[command(
        after_help = "Example:\n  amanat staff ack-batch verdicts.txt --key aigerim.key\n\nOne line per power of attorney: `CASE DOC accept` or `CASE DOC reject REASON`;\nblank lines and lines starting with # are ignored."
    )]
    AckBatch {
        /// The file of verdicts.
        file: PathBuf,
        #[command(flatten)]
        key: StaffKeyArgs,
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Fetch a case and decrypt it on this machine into a folder.
    #[command(
        after_help = "Example:\n  amanat staff open 0b6e3c1a-… --out ./case --key aigerim.key\n\nThe folder then holds plaintext: keep it on an encrypted disk and delete it when done."
    )]
    Open {
        /// The case id, as listed by `amanat staff cases`.
        case: String,
        /// Folder to write the decrypted documents into (created, must be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// No progress output for large documents (by default a bar on a terminal, a line
        /// every few seconds otherwise).
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        key: StaffKeyArgs,
        #[command(flatten)]
        session: SessionArgs,
    },
}

#[derive(Args, Debug, Clone)]
#[group(required = true, multiple = false)]
pub struct VerdictArgs {
    /// The power of attorney is valid.
    #[arg(long)]
    pub accept: bool,
    /// It is not: give a reason code (1 illegible, 2 unsigned, 3 wrong person, 4 expired, 9 other).
    #[arg(long, value_name = "REASON")]
    pub reject: Option<u16>,
}

#[derive(Args, Debug, Clone)]
pub struct RootKeyArgs {
    /// The root key file (made by `amanat admin init`).
    #[arg(long, env = "AMANAT_ROOT_KEY", value_name = "FILE")]
    pub root_key: PathBuf,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
}

#[derive(Args, Debug, Clone)]
pub struct KeyringFileArgs {
    /// The signed keyring file the admin keeps (created by the first `add`).
    #[arg(long, value_name = "FILE", default_value = "keyring.json")]
    pub keyring: PathBuf,
}

#[cfg(feature = "ui")]
#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Make the witness's key; prints the verifier key to give the foundation.
    #[command(
        after_help = "Example:\n  amanat witness keygen --name witness.partner.example --out witness.key"
    )]
    Keygen {
        /// The witness's name in cosignatures, e.g. its domain: no spaces, no '+'.
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Serve C2SP tlog-witness `POST /add-checkpoint` over plain HTTP (put TLS in front of
    /// it, or keep it on loopback beside the log's server).
    #[command(
        after_help = "Example:\n  amanat witness serve --key witness.key --state ./witness-state --listen 127.0.0.1:9070 \\\n      --log 'amanat.example/log+1a2b3c4d+AQ…'\n\nThe log's verifier key is printed by `amanat-server init` (`log verifier key:`).\nKeep --state: it is what a forked log is compared against."
    )]
    Serve {
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The last checkpoint cosigned for each log is kept here.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        #[arg(long, default_value = "127.0.0.1:9070", value_name = "ADDR")]
        listen: String,
        /// A log to witness, by its signed-note verifier key (repeatable).
        #[arg(long = "log", value_name = "VKEY")]
        logs: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check that the submission page a server serves is exactly the one the root signed
    /// last: verifies the whole log, takes the newest root-signed manifest in it, and fetches
    /// and hashes every file the server serves for the page. Exits non-zero on any difference.
    #[command(
        after_help = "Example:\n  amanat audit web --server https://127.0.0.1:8443 --server-cert 3f9a… --root 7ZQK-…\n\nA server can serve another page to someone else at another time: run this from several\nplaces and often (e.g. over Tor), and compare the manifest hash the page's footer shows."
    )]
    Web {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        root: RootArgs,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check a receipt: the log's signature, the entry's inclusion, and (with --server) that
    /// the log still contains it.
    #[command(
        after_help = "Example:\n  amanat audit verify receipt.tlog-proof --root 7ZQK-… --server https://127.0.0.1:8443 --server-cert 3f9a…\n  amanat audit verify receipt.tlog-proof --root 7ZQK-… --keyring keyring.json   # offline"
    )]
    Verify {
        /// The receipt file (`c2sp.org/tlog-proof@v1`).
        receipt: PathBuf,
        /// The foundation's root fingerprint.
        #[arg(long, env = "AMANAT_ROOT", value_name = "FINGERPRINT")]
        root: String,
        /// A signed keyring file to take the log key from (offline check).
        #[arg(long, value_name = "FILE")]
        keyring: Option<PathBuf>,
        /// The server's address: fetch the keyring and check consistency with the latest checkpoint.
        #[arg(long, env = "AMANAT_SERVER", value_name = "URL")]
        server: Option<String>,
        #[arg(long, env = "AMANAT_SERVER_CERT", value_name = "SHA256")]
        server_cert: Option<String>,
        #[arg(long, env = "AMANAT_PROXY", value_name = "URL")]
        proxy: Option<String>,
    },
    /// Download every log entry, recompute the tree, check signatures and history, and count
    /// the cases with an appeal and an accepted power of attorney.
    #[command(
        after_help = "Example:\n  amanat audit log --server https://127.0.0.1:8443 --server-cert 3f9a… --root 7ZQK-… --state ./audit-state\n\nWith --state the last verified checkpoint is kept, and the next run proves the log only grew."
    )]
    Log {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        root: RootArgs,
        /// Keep verified checkpoints here, to detect a rewritten or truncated log next time.
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Follow the log through its standard C2SP tlog-tiles interface (/checkpoint, /tile/…):
    /// verify it only grew since the last run, and report new keyrings (who was added or
    /// removed), web page manifests and acknowledgements. Exits non-zero on a fork, a
    /// rewrite or truncation (keeping both signed checkpoints as evidence) or a bad entry.
    #[command(
        after_help = "Example:\n  amanat audit monitor --server https://127.0.0.1:8443 --server-cert 3f9a… --root 7ZQK-… --state ./monitor\n\nRun it from cron; with --json, alert when it exits non-zero. The first run reads the\nwhole log; later runs read only what is new. Keep --state safe: it is what a rewritten\nlog is compared against."
    )]
    Monitor {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        root: RootArgs,
        /// Where the last verified checkpoint and tree are kept between runs.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// Print the report (or the alert) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Compare the checkpoints two auditors saved: a log that showed them different trees
    /// has forked, and the two signed checkpoints prove it.
    #[command(
        after_help = "Example:\n  amanat audit compare ./my-state ./colleague-state --root 7ZQK-… --server https://… --server-cert 3f9a…"
    )]
    Compare {
        mine: PathBuf,
        theirs: PathBuf,
        #[arg(long, env = "AMANAT_ROOT", value_name = "FINGERPRINT")]
        root: String,
        /// Needed when the two checkpoints have different sizes (asks for a consistency proof).
        #[arg(long, env = "AMANAT_SERVER", value_name = "URL")]
        server: Option<String>,
        #[arg(long, env = "AMANAT_SERVER_CERT", value_name = "SHA256")]
        server_cert: Option<String>,
        #[arg(long, env = "AMANAT_PROXY", value_name = "URL")]
        proxy: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Make the foundation's root key and print its fingerprint.
    #[command(
        after_help = "Example:\n  amanat admin init --out root.key\n\nKeep root.key offline. Publish the fingerprint it prints (website, printed leaflets):\ncomplainants check every keyring against it."
    )]
    Init {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        passphrase: PassphraseArgs,
    },
    /// Sign and publish the list of staff who may read cases.
    #[command(subcommand)]
    Keyring(KeyringCommand),
    /// Sign the web page's manifest (offline) and have the server log it.
    #[command(subcommand)]
    Web(WebCommand),
    /// m-of-n recovery of the root key: split it among holders, restore it from enough of them.
    #[command(subcommand)]
    Root(RootCommand),
}

#[derive(Subcommand, Debug)]
pub enum RootCommand {
    /// Split the root key into shares for separate holders; any THRESHOLD of them restore it.
    /// Offline. Every share is read back and every combination checked before anything is
    /// written.
    #[command(
        after_help = "Example:\n  amanat admin root split --root-key root.key --shares 5 --threshold 3 --out-dir shares/\n\nPrint each shares/root-share-N-of-5.txt, give one sheet to each holder, then delete\nthe folder. A holder can check their copy with `amanat admin root check-share`."
    )]
    Split {
        #[command(flatten)]
        root_key: RootKeyArgs,
        /// How many shares to make (one per holder, at most 16).
        #[arg(long, value_name = "N")]
        shares: u8,
        /// How many shares restore the key (at least 2).
        #[arg(long, value_name = "M")]
        threshold: u8,
        /// A new folder to write the share sheets to.
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
    /// Restore the root key from enough shares into a new passphrase-protected key file.
    #[command(
        after_help = "Example:\n  amanat admin root combine --share aigerim.txt --share dana.txt --share timur.txt \\\n      --root 7ZQK-3M0A-… --out root.key\n\nA share can be the printed sheet or just its 21 groups typed into a file."
    )]
    Combine {
        /// A share sheet (repeat for each holder's share).
        #[arg(long = "share", value_name = "FILE", required = true)]
        shares: Vec<PathBuf>,
        /// The published root fingerprint: refuse to write a key that is not this root.
        #[arg(long, value_name = "FINGERPRINT")]
        root: Option<String>,
        /// Where to write the restored root key (must not exist yet).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        passphrase: PassphraseArgs,
    },
    /// Hand the foundation to a new root key (offline): both keys sign the handover, and the
    /// new root signs the next keyring version, carrying the codename lineage over so every
    /// complainant's codename keeps working.
    #[command(
        after_help = "Example:\n  amanat admin init --out new-root.key\n  amanat admin root rotate --root-key root.key --new-root-key new-root.key --out handover.json\n  amanat admin root publish handover.json --server https://host:8443 --server-cert 3f9a…\n  amanat admin keyring publish --server https://host:8443 --server-cert 3f9a…\n\nThen publish the new fingerprint. Clients that still pin the old one follow the handover;\nthe old key signs nothing more (destroy it, and split the new one)."
    )]
    Rotate {
        #[command(flatten)]
        root_key: RootKeyArgs,
        /// The new root key (made by `amanat admin init`).
        #[arg(long, value_name = "FILE")]
        new_root_key: PathBuf,
        #[command(flatten)]
        file: KeyringFileArgs,
        /// Where to write the signed handover, to carry to a networked machine.
        #[arg(long, value_name = "FILE", default_value = "handover.json")]
        out: PathBuf,
    },
    /// Send a signed handover to the server, which logs it; it then accepts keyrings only
    /// from the new root. Publish the new root's keyring right after.
    #[command(
        after_help = "Example:\n  amanat admin root publish handover.json --server https://host:8443 --server-cert 3f9a…"
    )]
    Publish {
        /// The file `amanat admin root rotate` wrote.
        #[arg(default_value = "handover.json")]
        file: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Check that a share sheet (or a hand copy of it) reads back: its checksum, which share
    /// of which split it is, and for which root.
    #[command(
        after_help = "Example:\n  amanat admin root check-share my-share.txt --root 7ZQK-3M0A-…"
    )]
    CheckShare {
        /// Share sheets to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The published root fingerprint, to check the share belongs to it.
        #[arg(long, value_name = "FINGERPRINT")]
        root: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum WebCommand {
    /// Sign a build of the submission page: checks every file the manifest lists against
    /// the folder, then signs the manifest's SHA-256 with the root key. Offline.
    #[command(
        after_help = "Example:\n  (cd web && npm ci && node build.mjs --check)   # the committed build is what the sources make\n  amanat admin web sign --root-key root.key --dist web/dist --out web-manifest.sig.json\n  amanat admin web publish web-manifest.sig.json --server https://host:8443 --server-cert 3f9a…"
    )]
    Sign {
        #[command(flatten)]
        root_key: RootKeyArgs,
        /// The built page: a folder holding manifest.json and the files it lists.
        #[arg(long, value_name = "DIR", default_value = "web/dist")]
        dist: PathBuf,
        /// Where to write the signature (JSON), to carry to a networked machine.
        #[arg(long, value_name = "FILE", default_value = "web-manifest.sig.json")]
        out: PathBuf,
    },
    /// Send a signed manifest to the server, which appends it to the transparency log.
    #[command(
        after_help = "Example:\n  amanat admin web publish web-manifest.sig.json --server https://host:8443 --server-cert 3f9a…"
    )]
    Publish {
        /// The file `amanat admin web sign` wrote.
        #[arg(default_value = "web-manifest.sig.json")]
        file: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeyringCommand {
    /// Add a staff member (signs a new version).
    #[command(
        after_help = "Examples:\n  amanat admin keyring add --root-key root.key --staff aigerim.pub --roles reviewer\n  amanat admin keyring add --root-key root.key --staff dana.pub --roles reviewer,coordinator"
    )]
    Add {
        #[command(flatten)]
        root_key: RootKeyArgs,
        #[command(flatten)]
        file: KeyringFileArgs,
        /// The public part printed by `amanat staff keygen`.
        #[arg(long, value_name = "FILE")]
        staff: PathBuf,
        /// Comma-separated: reviewer, auditor, admin, coordinator. A reviewer lists and opens
        /// the cases shared with them; a coordinator (with reviewer) lists every case, to
        /// assign and share it.
        #[arg(long, value_delimiter = ',', default_value = "reviewer")]
        roles: Vec<String>,
    },
    /// Remove a staff member (signs a new version).
    #[command(
        after_help = "Example:\n  amanat admin keyring remove --root-key root.key --id aigerim"
    )]
    Remove {
        #[command(flatten)]
        root_key: RootKeyArgs,
        #[command(flatten)]
        file: KeyringFileArgs,
        #[arg(long)]
        id: String,
    },
    /// Name the server's transparency log in the keyring (signs a new version).
    #[command(
        after_help = "Example:\n  amanat admin keyring set-log --root-key root.key --origin amanat.invalid/log-1a2b3c4d --key <base64>\n\nTake both values from the `log origin:` and `log key:` lines of `amanat-server init`."
    )]
    SetLog {
        #[command(flatten)]
        root_key: RootKeyArgs,
        #[command(flatten)]
        file: KeyringFileArgs,
        #[arg(long)]
        origin: String,
        /// The log's Ed25519 public key, base64.
        #[arg(long)]
        key: String,
    },
    /// Name the witnesses whose cosignatures clients require, and how many of them
    /// (signs a new version).
    #[command(
        after_help = "Example:\n  amanat admin keyring witness --root-key root.key --add 'witness.partner.example+5e6f7a8b+BP…' --threshold 1"
    )]
    Witness {
        #[command(flatten)]
        root_key: RootKeyArgs,
        #[command(flatten)]
        file: KeyringFileArgs,
        /// A witness's verifier key, as `amanat witness keygen` printed it (repeatable).
        #[arg(long = "add", value_name = "VKEY")]
        add: Vec<String>,
        /// A witness to drop, by name (repeatable).
        #[arg(long = "remove", value_name = "NAME")]
        remove: Vec<String>,
        /// How many of the witnesses must have cosigned a checkpoint (0: none).
        #[arg(long)]
        threshold: Option<u8>,
    },
    /// Show the keyring file's content.
    #[command(after_help = "Example:\n  amanat admin keyring show --root 7ZQK-…")]
    Show {
        #[command(flatten)]
        file: KeyringFileArgs,
        /// Also check it against this root fingerprint.
        #[arg(long)]
        root: Option<String>,
    },
    /// Upload the signed keyring to a server.
    #[command(
        after_help = "Example:\n  amanat admin keyring publish --server https://127.0.0.1:8443 --server-cert 3f9a…"
    )]
    Publish {
        #[command(flatten)]
        file: KeyringFileArgs,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[cfg(feature = "demo")]
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Keep the temporary folder instead of deleting it (to look at what the server stored).
    #[arg(long)]
    pub keep: bool,
}
