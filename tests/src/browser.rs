//! Runs `web/test/drive.mjs` (playwright-core in Debian's Chromium) with one JSON plan and
//! returns its JSON result, for the browser tests and the B5 benchmark alike. While the
//! driver runs, `sample` is called every 200 ms with its process id (for memory sampling).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The repository's root (the tests crate's parent).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// True when Chromium and the page's test dependencies are installed; with
/// `AMANAT_REQUIRE_BROWSER` set (CI), their absence is a failure instead of a skip.
pub fn ready() -> bool {
    let chromium = Path::new("/usr/bin/chromium").exists();
    let modules = repo().join("web/node_modules/playwright-core").exists();
    if chromium && modules {
        return true;
    }
    let why = format!(
        "browser tests need /usr/bin/chromium (apt-get install chromium) and web/node_modules (npm ci --prefix web); chromium: {chromium}, node_modules: {modules}"
    );
    assert!(std::env::var("AMANAT_REQUIRE_BROWSER").is_err(), "{why}");
    eprintln!("skipped: {why}");
    false
}

/// Panics with the driver's output if it fails or the page reports an error.
pub fn drive(plan: &Value, sample: impl FnMut(u32)) -> Value {
    drive_with("web/test/drive.mjs", plan, sample)
}

/// [`drive`] with another driver script of `web/test/` (e.g. the staff workspace's).
pub fn drive_with(script: &str, plan: &Value, mut sample: impl FnMut(u32)) -> Value {
    let mut child = Command::new("node")
        .arg(repo().join(script))
        .arg(plan.to_string())
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node is installed");
    let pid = child.id();
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break status;
        }
        sample(pid);
        std::thread::sleep(Duration::from_millis(200));
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    assert!(status.success(), "the browser driver failed:\n{out}\n{err}");
    let last = out.lines().last().unwrap_or("");
    let v: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    assert!(v.get("error").is_none(), "the page failed: {v:#}");
    v
}
