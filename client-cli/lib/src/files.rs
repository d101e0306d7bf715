//! Files a client writes: receipts, decrypted documents, sessions, resume state. Each is
//! written atomically (temporary file in the same folder, fsync, rename) and readable only by
//! its owner, so a crash never leaves half a receipt and other users never read one.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically, readable only by the owner. Refuses to replace an
/// existing file unless `replace`.
pub fn write_private(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    if !replace && path.exists() {
        return Err(Error::new(format!("{} already exists", path.display()))
            .hint("choose another file name, or move the old file away first"));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".amanat-")
        .tempfile_in(dir)
        .map_err(|e| Error::file("write into", dir, e))?;
    set_private(tmp.path())?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::file("write", path, e))?;
    tmp.persist(path)
        .map_err(|e| Error::file("write", path, e.error))?;
    Ok(())
}

#[cfg(unix)]
pub fn set_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::file("set permissions on", path, e))
}

#[cfg(not(unix))]
pub fn set_private(_path: &Path) -> Result<()> {
    Ok(())
}
