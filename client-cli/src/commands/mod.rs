//! One module per role. Each command is a plain function over parsed arguments so that
//! `amanat demo` can run the very same code the subcommands run.

pub mod admin;
pub mod audit;
pub mod codename;
pub mod collab;
#[cfg(feature = "demo")]
pub mod demo;
pub mod inbox;
pub mod report;
pub mod search;
pub mod staff;
pub mod submit;
pub mod wizard;

use std::io::Write;
use std::path::Path;

use crate::error::{CliError, Result};

/// Writes `bytes` to `path` atomically (temporary file in the same folder, fsync, rename),
/// readable only by the owner. Refuses to replace an existing file unless `replace`.
pub fn write_private(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    if !replace && path.exists() {
        return Err(CliError::new(format!("{} already exists", path.display()))
            .hint("choose another file name, or move the old file away first"));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".amanat-")
        .tempfile_in(dir)
        .map_err(|e| CliError::file("write into", dir, e))?;
    set_private(tmp.path())?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| CliError::file("write", path, e))?;
    tmp.persist(path)
        .map_err(|e| CliError::file("write", path, e.error))?;
    Ok(())
}

#[cfg(unix)]
pub fn set_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| CliError::file("set permissions on", path, e))
}

#[cfg(not(unix))]
pub fn set_private(_path: &Path) -> Result<()> {
    Ok(())
}

/// Unix seconds as `2026-11-23 10:40 UTC`.
pub fn format_time(secs: i64) -> String {
    amanat_protocol::time::utc_minute(secs)
}

/// Human-readable byte counts.
pub fn format_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_and_sizes() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(1_795_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
    }
}
