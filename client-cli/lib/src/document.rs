//! A document on its way out: where its bytes come from and what the envelope will say it is.
//! Forms are validated and re-encoded here, so what is encrypted is exactly what was checked.

use std::path::{Path, PathBuf};

use amanat_protocol::envelope::DocumentMeta;
use amanat_protocol::form::AppealForm;
use amanat_protocol::wire::DocumentKind;

use crate::error::{Error, Result};

/// A document about to be encrypted: where its bytes come from and what it is.
pub struct Outgoing {
    pub meta: DocumentMeta,
    pub source: Source,
}

pub enum Source {
    File(PathBuf),
    Memory(Vec<u8>),
}

impl Outgoing {
    /// A document held in memory (a form, a note, a test's bytes).
    pub fn memory(
        kind: DocumentKind,
        name: Option<&str>,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> Self {
        Outgoing {
            meta: DocumentMeta {
                kind,
                name: name.map(str::to_owned),
                media_type: media_type.to_owned(),
                length: bytes.len() as u64,
            },
            source: Source::Memory(bytes),
        }
    }
}

/// The appeal form as a document: `form` re-encoded, so what is sent is exactly what was
/// checked.
pub fn form(form: &AppealForm) -> Result<Outgoing> {
    let json = serde_json::to_vec_pretty(form).map_err(|e| Error::new(e.to_string()))?;
    Ok(Outgoing::memory(
        DocumentKind::AppealForm,
        Some("appeal-form.json"),
        "application/json",
        json,
    ))
}

/// Validates a JSON appeal form and wraps it as a document; `label` names it in the error.
pub fn form_json(text: &str, label: &str) -> Result<Outgoing> {
    let parsed = AppealForm::from_json(text).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
        Error::new(format!(
            "the appeal form {label} has problems:\n{}",
            list.join("\n")
        ))
        .hint("fix these fields and run the command again; nothing was sent")
    })?;
    form(&parsed)
}

/// A file on disk as a document of `kind`; its bytes are read only while it is encrypted.
pub fn file(kind: DocumentKind, path: &Path) -> Result<Outgoing> {
    let md = std::fs::metadata(path).map_err(|e| Error::file("read", path, e))?;
    if !md.is_file() {
        return Err(Error::new(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    Ok(Outgoing {
        meta: DocumentMeta {
            kind,
            media_type: media_type(path).into(),
            name,
            length: md.len(),
        },
        source: Source::File(path.to_owned()),
    })
}

/// The media type a file's extension suggests (the envelope carries it for the reviewer).
pub fn media_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "heic" => "image/heic",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "json" => "application/json",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}
