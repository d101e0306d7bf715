//! What a hostile operator can do to a SQLite-backed log with nothing but the `sqlite3`
//! shell and the server's own log key: delete, alter, truncate, rewrite and re-sign. The
//! tamper tests use these to check that auditors notice.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use amanat_protocol::encoding::hex;
use amanat_protocol::log::merkle::{NodeId, completed_by, leaf_hash, node_hash};
use std::collections::HashMap;
use std::io::Write;

pub struct Db(pub PathBuf);

impl Db {
    /// Runs SQL with the server still running (WAL lets a second process write).
    pub fn exec(&self, sql: &str) -> String {
        let mut child = Command::new("sqlite3")
            .arg(&self.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the sqlite3 shell must be installed for the tamper tests");
        let script = format!(".timeout 10000\n{sql}\n");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "sqlite3 failed on {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn entries(&self) -> Vec<Vec<u8>> {
        self.exec("SELECT hex(entry) FROM log_entries ORDER BY idx;")
            .lines()
            .map(|h| {
                (0..h.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                    .collect()
            })
            .collect()
    }

    /// Replaces the whole log with `entries`, recomputing every node and forgetting every
    /// checkpoint, so the server will sign whatever tree this leaves behind.
    pub fn rewrite(&self, entries: &[Vec<u8>]) {
        let mut nodes: HashMap<NodeId, [u8; 32]> = HashMap::new();
        let mut sql = String::from(
            "BEGIN;\nDELETE FROM log_entries;\nDELETE FROM log_nodes;\nDELETE FROM log_checkpoints;\n",
        );
        for (i, e) in entries.iter().enumerate() {
            sql.push_str(&format!(
                "INSERT INTO log_entries (idx, entry, created_at) VALUES ({i}, X'{}', 0);\n",
                hex(e)
            ));
            for id in completed_by(i as u64) {
                let h = if id.level == 0 {
                    leaf_hash(e)
                } else {
                    node_hash(
                        &nodes[&NodeId {
                            level: id.level - 1,
                            index: id.index * 2,
                        }],
                        &nodes[&NodeId {
                            level: id.level - 1,
                            index: id.index * 2 + 1,
                        }],
                    )
                };
                nodes.insert(id, h);
                sql.push_str(&format!(
                    "INSERT INTO log_nodes (level, idx, hash) VALUES ({}, {}, X'{}');\n",
                    id.level,
                    id.index,
                    hex(&h)
                ));
            }
        }
        sql.push_str(&format!(
            "UPDATE log_head SET size = {} WHERE id = 1;\nCOMMIT;",
            entries.len()
        ));
        self.exec(&sql);
    }
}

/// Whether the `sqlite3` shell is installed. Outside CI a test that needs it skips with a
/// notice (a newcomer's `cargo test --workspace` must pass); in CI (`CI` set) it is required.
pub fn sqlite3_available() -> bool {
    let found = Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "the sqlite3 shell must be installed in CI (apt-get install sqlite3)"
        );
        eprintln!("skipped: the sqlite3 shell is not installed (apt-get install sqlite3)");
    }
    found
}

pub fn sqlite_db(server_dir: &Path) -> Db {
    Db(server_dir.join("amanat.db"))
}
