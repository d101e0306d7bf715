//! `amanat-client`: everything a client of an Amanat server does, with no terminal attached.
//! The `amanat` CLI, the staff workspace, the benchmarks and the end-to-end tests call it;
//! what they show a person (text, a page) is theirs. Secrets are decrypted only here.
//!
//! Layers, each depending only on those above it:
//! `error` → `api` (HTTP, TLS trust) → `files`, `progress` → `document`, `receipt`, `log` →
//! `upload` → `complainant`, `staff`.

pub mod api;
pub mod complainant;
pub mod document;
pub mod error;
pub mod files;
pub mod log;
pub mod monitor;
pub mod progress;
pub mod receipt;
pub mod root_shares;
pub mod staff;
pub mod upload;

pub use error::{Error, Result};

/// Human-readable byte counts: `512 B`, `1.5 KiB`, `4.0 GiB`.
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

/// Seconds since the Unix epoch, from the system clock.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_sizes() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(4 << 30), "4.0 GiB");
    }
}
