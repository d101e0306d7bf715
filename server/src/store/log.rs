//! The transparency log's storage: appending entries and the perfect-subtree hashes they
//! complete, inside the caller's transaction, and the reads a proof needs (any set of nodes in
//! one query, ranges of entries). The `log_head` row's lock serialises appenders across servers.

use std::collections::{BTreeMap, HashMap};

use amanat_protocol::log::merkle::{self, Hash, NodeId};
use diesel::dsl::count_star;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::models::{LogCheckpointRow, LogEntryRow, LogNodeRow, bytes32, i64_of, u64_of};
use super::schema::{log_checkpoints, log_entries, log_head, log_nodes};
use super::{DbConnection, KeyringLock, MultiBackend, Store, StoreError};
use crate::domain::LoggedEntry;

const HEAD: i16 = 1;
/// Rows per INSERT: 3 binds each, well under SQLite's 32 766 and PostgreSQL's 65 535.
const INSERT_CHUNK: usize = 2_000;

fn head_size(c: &mut DbConnection) -> Result<u64, StoreError> {
    let size: i64 = log_head::table
        .filter(log_head::id.eq(HEAD))
        .select(log_head::size)
        .first(c)
        .optional()?
        .ok_or_else(|| StoreError::corrupt("log head", "the row is missing"))?;
    u64_of("log head", size)
}

fn node_row(id: NodeId, hash: &Hash) -> Result<LogNodeRow, StoreError> {
    Ok(LogNodeRow {
        level: i16::from(id.level),
        idx: i64_of("log node index", id.index)?,
        hash: hash.to_vec(),
    })
}

/// The perfect subtrees that make up a tree of `size` leaves, left to right (highest first):
/// the only nodes later appends combine with.
fn frontier(size: u64) -> Vec<NodeId> {
    (0..64u8)
        .rev()
        .filter(|&level| size & (1u64 << level) != 0)
        .map(|level| NodeId {
            level,
            // Bit `level` is set, so this is the last whole subtree of its width.
            index: (size >> level) - 1,
        })
        .collect()
}

/// Appends `entries` in order, with every node they complete, and returns the first one's
/// index. Runs inside the caller's write transaction: the increment of `log_head.size` takes
/// the row's write lock first, so concurrent appenders (in this process or another server on
/// the same database) queue here, and a rollback leaves no gap.
pub(super) fn append(c: &mut DbConnection, entries: &[&[u8]], now: i64) -> Result<u64, StoreError> {
    let k = i64_of("log batch", entries.len() as u64)?;
    if k == 0 {
        return head_size(c);
    }
    let updated = diesel::update(log_head::table.filter(log_head::id.eq(HEAD)))
        .set(log_head::size.eq(log_head::size + k))
        .execute(c)?;
    if updated != 1 {
        return Err(StoreError::corrupt("log head", "the row is missing"));
    }
    let end = head_size(c)?;
    let start = end
        .checked_sub(entries.len() as u64)
        .ok_or_else(|| StoreError::corrupt("log head", "size below the batch just added"))?;
    // Of the old frontier, only subtrees whose parent these entries complete are read.
    let consumed: Vec<NodeId> = frontier(start)
        .into_iter()
        .filter(|id| {
            let span = 1u64 << id.level;
            (id.index + 2).saturating_mul(span) <= end
        })
        .collect();
    let known = nodes(c, &consumed)?;
    // A stack of (node, hash) along the right edge, exactly as RFC 6962's compact range.
    let mut stack: Vec<(NodeId, Hash)> = Vec::with_capacity(64);
    for id in consumed {
        let hash = known
            .get(&id)
            .copied()
            .ok_or_else(|| StoreError::corrupt("log node", format!("{id:?} is missing")))?;
        stack.push((id, hash));
    }
    let mut entry_rows = Vec::with_capacity(entries.len());
    let mut node_rows = Vec::with_capacity(entries.len() * 2);
    for (i, entry) in entries.iter().enumerate() {
        let index = start + i as u64;
        entry_rows.push(LogEntryRow {
            idx: i64_of("log index", index)?,
            entry: entry.to_vec(),
            created_at: now,
        });
        let mut cur = (NodeId { level: 0, index }, merkle::leaf_hash(entry));
        for id in merkle::completed_by(index) {
            if id.level > 0 {
                let (left, left_hash) = stack.pop().ok_or_else(|| {
                    StoreError::corrupt("log node", format!("no left child for {id:?}"))
                })?;
                if left.level != id.level - 1 || left.index != id.index * 2 {
                    return Err(StoreError::corrupt(
                        "log node",
                        format!("expected the left child of {id:?}, found {left:?}"),
                    ));
                }
                cur = (id, merkle::node_hash(&left_hash, &cur.1));
            }
            node_rows.push(node_row(cur.0, &cur.1)?);
        }
        stack.push(cur);
    }
    insert_rows(c, &entry_rows, &node_rows)?;
    Ok(start)
}

/// Multi-row inserts, one round trip per chunk rather than per row (which is what makes bulk
/// filling fast on PostgreSQL). The multi-backend connection cannot express a batch insert,
/// so each backend gets the same statement through its own connection type.
fn insert_rows(
    c: &mut DbConnection,
    entries: &[LogEntryRow],
    nodes: &[LogNodeRow],
) -> Result<(), StoreError> {
    macro_rules! insert_all {
        ($conn:expr) => {{
            for chunk in entries.chunks(INSERT_CHUNK) {
                diesel::insert_into(log_entries::table)
                    .values(chunk)
                    .execute($conn)?;
            }
            for chunk in nodes.chunks(INSERT_CHUNK) {
                diesel::insert_into(log_nodes::table)
                    .values(chunk)
                    .execute($conn)?;
            }
        }};
    }
    match c {
        DbConnection::Sqlite(conn) => insert_all!(conn),
        DbConnection::Postgres(conn) => insert_all!(conn),
    }
    Ok(())
}

/// Reads the given nodes in one query: one `level = l AND idx IN (…)` term per level.
pub(super) fn nodes(
    c: &mut DbConnection,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>, StoreError> {
    let mut by_level: BTreeMap<u8, Vec<i64>> = BTreeMap::new();
    for id in ids {
        by_level
            .entry(id.level)
            .or_default()
            .push(i64_of("log node index", id.index)?);
    }
    let mut filter: Option<
        Box<dyn BoxableExpression<log_nodes::table, MultiBackend, SqlType = Bool>>,
    > = None;
    for (level, idxs) in by_level {
        let term = log_nodes::level
            .eq(i16::from(level))
            .and(log_nodes::idx.eq_any(idxs));
        filter = Some(match filter {
            None => Box::new(term),
            Some(f) => Box::new(f.or(term)),
        });
    }
    let Some(filter) = filter else {
        return Ok(HashMap::new());
    };
    let rows: Vec<LogNodeRow> = log_nodes::table
        .select(LogNodeRow::as_select())
        .filter(filter)
        .load(c)?;
    rows.into_iter()
        .map(|r| {
            let level = u8::try_from(r.level)
                .ok()
                .filter(|l| *l < 64)
                .ok_or_else(|| StoreError::corrupt("log node", format!("level {}", r.level)))?;
            Ok((
                NodeId {
                    level,
                    index: u64_of("log node", r.idx)?,
                },
                bytes32("log node", &r.hash)?,
            ))
        })
        .collect()
}

impl Store {
    /// Appends entries in one transaction of their own and returns the first index. The use
    /// cases never call this: they append inside the transaction that stores what the entry
    /// records. It is for filling a log in bulk (the benchmark) and for tests.
    pub fn append_entries(&self, entries: &[&[u8]], now: i64) -> Result<u64, StoreError> {
        self.write(KeyringLock::None, |c| append(c, entries, now))
    }

    /// The number of entries in the log.
    pub fn log_size(&self) -> Result<u64, StoreError> {
        head_size(&mut *self.conn()?)
    }

    /// The hashes of the given perfect subtrees, fetched in one query. Missing ones are
    /// simply absent; the caller decides whether that is corruption.
    pub fn log_nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, StoreError> {
        nodes(&mut *self.conn()?, ids)
    }

    /// The current size and the nodes `ids_for(size)` names, on one connection. No
    /// transaction is needed: a size is committed together with every node it needs, and
    /// nodes never change once written.
    pub fn log_size_and_nodes(
        &self,
        ids_for: impl FnOnce(u64) -> Vec<NodeId>,
    ) -> Result<(u64, HashMap<NodeId, Hash>), StoreError> {
        let mut pooled = self.conn()?;
        let c: &mut DbConnection = &mut pooled;
        let size = head_size(c)?;
        let ids = ids_for(size);
        Ok((size, nodes(c, &ids)?))
    }

    /// Entries `[start, end)` in index order, in one range query; a gap is corruption.
    pub fn log_entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        match self.log_entries_prefix(start, end)? {
            (entries, None) => Ok(entries),
            (_, Some(missing)) => Err(StoreError::corrupt(
                "log entry",
                format!("entry {missing} is missing"),
            )),
        }
    }

    /// Entries `[start, end)` up to the first missing one, and which one that is (a gap is
    /// corruption, but what precedes it is still worth serving to an auditor).
    pub fn log_entries_prefix(
        &self,
        start: u64,
        end: u64,
    ) -> Result<(Vec<Vec<u8>>, Option<u64>), StoreError> {
        if end <= start {
            return Ok((Vec::new(), None));
        }
        let mut c = self.conn()?;
        let rows: Vec<(i64, Vec<u8>)> = log_entries::table
            .filter(log_entries::idx.ge(i64_of("log index", start)?))
            .filter(log_entries::idx.lt(i64_of("log index", end)?))
            .order(log_entries::idx.asc())
            .select((log_entries::idx, log_entries::entry))
            .load(&mut *c)?;
        let mut out = Vec::with_capacity(rows.len());
        for (expected, (idx, entry)) in (start..end).zip(rows) {
            if u64_of("log entry", idx)? != expected {
                return Ok((out, Some(expected)));
            }
            out.push(entry);
        }
        let got = start + out.len() as u64;
        Ok((out, (got < end).then_some(got)))
    }

    pub fn log_entry(&self, index: u64) -> Result<Option<LoggedEntry>, StoreError> {
        let mut c = self.conn()?;
        entry(&mut c, index)
    }

    /// Stores a signed checkpoint unless one of that size exists, and returns the stored one.
    /// Two servers may race here; the loser reads the winner's row.
    pub fn insert_checkpoint(&self, size: u64, note: &str, now: i64) -> Result<String, StoreError> {
        let mut c = self.conn()?;
        let size = i64_of("checkpoint size", size)?;
        let find = |c: &mut DbConnection| -> Result<Option<String>, StoreError> {
            Ok(log_checkpoints::table
                .filter(log_checkpoints::size.eq(size))
                .select(log_checkpoints::note)
                .first(c)
                .optional()?)
        };
        if let Some(stored) = find(&mut c)? {
            return Ok(stored);
        }
        let row = LogCheckpointRow {
            size,
            note: note.to_owned(),
            created_at: now,
        };
        match diesel::insert_into(log_checkpoints::table)
            .values(&row)
            .execute(&mut *c)
        {
            Ok(_) => Ok(row.note),
            Err(e) if super::is_unique_violation(&e) => find(&mut c)?
                .ok_or_else(|| StoreError::new("a checkpoint vanished after a conflict")),
            Err(e) => Err(e.into()),
        }
    }

    /// Keeps a witness's cosignature line for the checkpoint of `size` (the first one kept
    /// wins: a later line from the same witness for the same checkpoint adds nothing).
    pub fn insert_cosignature(
        &self,
        size: u64,
        witness: &str,
        line: &str,
    ) -> Result<(), StoreError> {
        use super::schema::log_cosignatures as lc;
        let mut c = self.conn()?;
        let size = i64_of("checkpoint size", size)?;
        match diesel::insert_into(lc::table)
            .values((
                lc::size.eq(size),
                lc::witness.eq(witness),
                lc::line.eq(line),
            ))
            .execute(&mut *c)
        {
            Ok(_) => Ok(()),
            Err(e) if super::is_unique_violation(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The cosignature lines kept for the checkpoint of `size`, by witness name.
    pub fn cosignatures(&self, size: u64) -> Result<Vec<String>, StoreError> {
        use super::schema::log_cosignatures as lc;
        let mut c = self.conn()?;
        Ok(lc::table
            .filter(lc::size.eq(i64_of("checkpoint size", size)?))
            .order(lc::witness.asc())
            .select(lc::line)
            .load(&mut *c)?)
    }

    /// Every stored checkpoint, smallest size first (for audits and tests).
    pub fn log_checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        let mut c = self.conn()?;
        let rows: Vec<LogCheckpointRow> = log_checkpoints::table
            .order(log_checkpoints::size.asc())
            .select(LogCheckpointRow::as_select())
            .load(&mut *c)?;
        rows.into_iter()
            .map(|r| Ok((u64_of("checkpoint", r.size)?, r.note)))
            .collect()
    }

    /// How many entries and nodes are stored (a consistency check for tests and operators).
    pub fn log_row_counts(&self) -> Result<(u64, u64), StoreError> {
        let mut c = self.conn()?;
        let e: i64 = log_entries::table.select(count_star()).first(&mut *c)?;
        let n: i64 = log_nodes::table.select(count_star()).first(&mut *c)?;
        Ok((u64_of("count", e)?, u64_of("count", n)?))
    }
}

pub(super) fn entry(c: &mut DbConnection, index: u64) -> Result<Option<LoggedEntry>, StoreError> {
    let bytes: Option<Vec<u8>> = log_entries::table
        .filter(log_entries::idx.eq(i64_of("log index", index)?))
        .select(log_entries::entry)
        .first(c)
        .optional()?;
    Ok(bytes.map(|entry| LoggedEntry { index, entry }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontier_is_the_decomposition_into_perfect_subtrees() {
        assert!(frontier(0).is_empty());
        assert_eq!(frontier(1), vec![NodeId { level: 0, index: 0 }]);
        assert_eq!(
            frontier(6),
            vec![NodeId { level: 2, index: 0 }, NodeId { level: 1, index: 2 }]
        );
        assert_eq!(
            frontier(7),
            vec![
                NodeId { level: 2, index: 0 },
                NodeId { level: 1, index: 2 },
                NodeId { level: 0, index: 6 }
            ]
        );
        for size in 1..300u64 {
            let f = frontier(size);
            let covered: u64 = f.iter().map(|id| 1u64 << id.level).sum();
            assert_eq!(covered, size);
            let mut end = 0;
            for id in f {
                assert_eq!(id.index << id.level, end, "size {size}");
                end += 1 << id.level;
            }
        }
    }
}
