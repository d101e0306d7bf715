//! The outside tlog-tiles client in tests/go/tlogtiles, built with Debian's Go and its
//! golang.org/x/mod (GOPATH mode, offline). Missing Go skips with a notice, unless
//! `AMANAT_REQUIRE_GO=1` (as in CI), where it is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const GOPATH: &str = "/usr/share/gocode";

/// Builds the client once per test binary and returns its path.
pub fn tlogtiles() -> Option<PathBuf> {
    let have_go = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    let have_mod = Path::new(GOPATH)
        .join("src/golang.org/x/mod/sumdb/tlog")
        .is_dir();
    if !(have_go && have_mod) {
        assert!(
            std::env::var("AMANAT_REQUIRE_GO").as_deref() != Ok("1"),
            "AMANAT_REQUIRE_GO=1 but Go or golang.org/x/mod is missing: apt-get install golang-go golang-golang-x-mod-dev"
        );
        eprintln!(
            "skipped the Go tlog-tiles client: apt-get install golang-go golang-golang-x-mod-dev"
        );
        return None;
    }
    let out_dir = crate::bin_dir().join("go");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("tlogtiles");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("go/tlogtiles");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&exe)
        .arg(".")
        .current_dir(&src)
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOCACHE", out_dir.join("cache"))
        .env("GOFLAGS", "")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "go build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(exe)
}
