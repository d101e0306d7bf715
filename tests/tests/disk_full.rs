//! A full disk (issue 6, "Faults"): the blob store on a 16 MiB tmpfs that the test fills.
//! Both upload routes must answer `507 insufficient_storage` (from the free-space check
//! before a byte is read, and from ENOSPC in the middle of writing), leave no temporary file
//! and no partial upload behind, keep every earlier document and the log intact, and take
//! uploads again as soon as space returns.
//!
//! Mounting needs root. Elsewhere the test prints a notice and passes, unless
//! `AMANAT_REQUIRE_MOUNT=1` (as in `.ci/run`), where a failed mount is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs::{File, OpenOptions};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use amanat_protocol::DocumentId;
use amanat_tests::{Backend, ServerOptions};
use support::{
    World, assert_refusal, create_upload, files_under, finish_upload, logged_documents,
    patch_upload, sealed, sha256,
};

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// A tmpfs mounted for the test, unmounted on drop (after the server, declared later, has
/// been killed).
struct Mount {
    dir: tempfile::TempDir,
}

impl Mount {
    fn tmpfs(size: &str) -> Option<Mount> {
        let dir = tempfile::Builder::new()
            .prefix("amanat-full-")
            .tempdir()
            .unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700")])
            .arg("tmpfs")
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Mount { dir }),
            other => {
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                    Err(e) => e.to_string(),
                };
                assert!(
                    std::env::var("AMANAT_REQUIRE_MOUNT").as_deref() != Ok("1"),
                    "AMANAT_REQUIRE_MOUNT=1 but a tmpfs cannot be mounted: {why}"
                );
                eprintln!(
                    "skipped: the full-disk test needs to mount a tmpfs (run as root): {why}"
                );
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            // Something still holds a file open: detach now, freed when it lets go.
            let _ = Command::new("umount")
                .arg("-l")
                .arg(self.dir.path())
                .status();
        }
    }
}

/// Fills the file system holding `dir` with one file; returns it.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    for block in [MIB, 4 * KIB] {
        let buf = vec![0x5au8; block];
        while f.write_all(&buf).is_ok() {}
    }
    let _ = f.sync_all();
    path
}

fn free_bytes(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn full_blob_disk_is_507_and_recovers() {
    let Some(mount) = Mount::tmpfs("16m") else {
        return;
    };
    let blob_dir = mount.path().join("blobs");
    let w = World::new(
        ServerOptions {
            backend: Backend::Sqlite,
            max_document_bytes: None,
            session_ttl_secs: None,
        },
        &[
            ("AMANAT_BLOB_DIR", blob_dir.to_str().unwrap()),
            ("AMANAT_DISK_RESERVE_BYTES", &(256 * KIB).to_string()),
        ],
    );
    let http = w.server.http();
    let case = w.new_case();
    assert!(
        !files_under(&blob_dir).is_empty(),
        "the appeal form did not land on the small file system"
    );

    // Before the disk fills: a document, and a resumable upload created but not yet sent.
    let a = sealed(&case.keys, 100 * KIB, 1);
    let r = http.put_bytes(&case.doc_path(&DocumentId::random()), a, &case.token);
    assert_eq!(r.status, 201, "{r:?}");
    let big = sealed(&case.keys, 1500 * KIB, 2);
    let big_doc = DocumentId::random();
    let created = create_upload(&http, &case, &big_doc, big.len());
    assert_eq!(created.status, 201, "{created:?}");
    let upload = created.json.unwrap()["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let filler = fill(mount.path());
    assert!(free_bytes(mount.path()) < 64 * KIB as u64);

    // 1. Refused before the first byte: a PUT with its length, a new resumable upload.
    let small = sealed(&case.keys, 20 * KIB, 3);
    let r = http.put_bytes(&case.doc_path(&DocumentId::random()), small, &case.token);
    assert_refusal(&r, 507, "insufficient_storage");
    let r = create_upload(&http, &case, &DocumentId::random(), 100 * KIB);
    assert_refusal(&r, 507, "insufficient_storage");

    // 2. ENOSPC while writing a chunk: refused, and the upload is as it was.
    let r = patch_upload(&http, &case, &upload, 0, &big[..MIB]);
    assert_refusal(&r, 507, "insufficient_storage");
    let state = http.get(&format!("/v1/uploads/{upload}"), Some(&case.token));
    assert_eq!(state.status, 200, "{state:?}");
    assert_eq!(state.json.unwrap()["offset"], 0);

    // 3. ENOSPC while writing a PUT of unknown length (chunked): the free-space check lets
    //    it start, the disk runs out under it.
    let len = File::open(&filler).unwrap().metadata().unwrap().len();
    File::options()
        .write(true)
        .open(&filler)
        .unwrap()
        .set_len(len - 512 * KIB as u64)
        .unwrap();
    let unknown_len = sealed(&case.keys, 1500 * KIB, 4);
    let r = http.send(
        http.request("PUT", &case.doc_path(&DocumentId::random()))
            .bearer_auth(&case.token)
            .header("content-type", "application/octet-stream")
            .body(reqwest::blocking::Body::new(Cursor::new(unknown_len))),
    );
    assert_refusal(&r, 507, "insufficient_storage");

    // Nothing half-written: no temporary blob, no bytes in the refused upload.
    assert_eq!(files_under(&blob_dir.join("tmp")), Vec::<PathBuf>::new());
    let partial = blob_dir.join("uploads").join(&upload);
    assert_eq!(std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0), 0);

    // Earlier documents intact, the log consistent.
    let docs = logged_documents(&w.log_entries());
    assert_eq!(w.check_documents(&docs), 2);
    w.audit();

    // 4. Space returns: the same server takes the refused upload and new documents.
    std::fs::remove_file(&filler).unwrap();
    let r = patch_upload(&http, &case, &upload, 0, &big);
    assert_eq!(r.status, 204, "{r:?}");
    let r = finish_upload(&http, &case, &upload, &sha256(&big));
    assert_eq!(r.status, 201, "{r:?}");
    let again = sealed(&case.keys, 20 * KIB, 5);
    let r = http.put_bytes(&case.doc_path(&DocumentId::random()), again, &case.token);
    assert_eq!(r.status, 201, "{r:?}");

    let docs = logged_documents(&w.log_entries());
    assert_eq!(w.check_documents(&docs), 4);
    w.audit();
    assert_eq!(files_under(&blob_dir.join("tmp")), Vec::<PathBuf>::new());
    let log = w.server.log_text();
    assert!(!log.contains("status=500"), "a 500 was answered:\n{log}");
    println!(
        "disk full: 507 on PUT (checked and mid-write) and on resumable create and PATCH; recovered"
    );
}
