//! C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the paths of hash tiles and entry bundles,
//! which tree nodes and entries each holds at a given tree size, and the bundle framing. The
//! server serves tiles from its stored nodes with this code; monitors read them with it.

use std::ops::Range;

use super::merkle::NodeId;

/// Tiles are 8 levels of the tree tall, so a full tile holds 256 hashes (or entries).
pub const HEIGHT: u8 = 8;
pub const WIDTH: u64 = 1 << HEIGHT;
/// A hash tile's body: 32 bytes per hash.
pub const HASH_SIZE: usize = 32;
/// The spec's bound on a level in a path; levels past 7 hold nothing in a 2^64 tree.
pub const MAX_LEVEL: u8 = 63;
/// Entries are u16-length-prefixed in a bundle, so none may be longer than this.
pub const MAX_BUNDLED_ENTRY: usize = u16::MAX as usize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    #[error("not a tile path: {0}")]
    BadPath(&'static str),
    #[error("malformed entry bundle: {0}")]
    BadBundle(&'static str),
}

/// What a tile holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileKind {
    /// Hashes of tree level `8 × level`.
    Hashes { level: u8 },
    /// The log's entries themselves (an entry bundle).
    Entries,
}

/// One tile: `index` counts tiles from the left at its level; `width` is 1..=256, and a
/// tile narrower than 256 is a partial one (`.p/<W>` in its path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    pub kind: TileKind,
    pub index: u64,
    pub width: u64,
}

/// A decimal with no leading zeroes (or "0"), as the spec requires of levels and widths.
fn strict_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

/// `x001/x234/067` → 1234067: three-digit groups, every one but the last prefixed by `x`,
/// and no leading `x000` group (so each index has exactly one path).
fn parse_index(groups: &[&str]) -> Result<u64, TileError> {
    let (last, rest) = groups
        .split_last()
        .ok_or(TileError::BadPath("no tile index"))?;
    if rest.len() > 6 {
        return Err(TileError::BadPath("the tile index is too long"));
    }
    let mut n: u64 = 0;
    for (i, g) in rest.iter().enumerate() {
        let digits = g.strip_prefix('x').ok_or(TileError::BadPath(
            "index groups before the last start with 'x'",
        ))?;
        if i == 0 && digits == "000" {
            return Err(TileError::BadPath(
                "the tile index has a leading zero group",
            ));
        }
        n = push_group(n, digits)?;
    }
    push_group(n, last)
}

fn push_group(n: u64, digits: &str) -> Result<u64, TileError> {
    if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TileError::BadPath("index groups are three digits"));
    }
    let g: u64 = digits
        .parse()
        .map_err(|_| TileError::BadPath("index groups are three digits"))?;
    n.checked_mul(1000)
        .and_then(|n| n.checked_add(g))
        .ok_or(TileError::BadPath("the tile index is too large"))
}

fn index_path(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

impl Tile {
    /// Parses what follows `tile/` in a URL: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`.
    pub fn parse(path: &str) -> Result<Tile, TileError> {
        let parts: Vec<&str> = path.split('/').collect();
        let (kind, rest) = match parts.split_first() {
            Some((&"entries", rest)) => (TileKind::Entries, rest),
            Some((level, rest)) => {
                let level = strict_decimal(level)
                    .filter(|l| *l <= u64::from(MAX_LEVEL))
                    .ok_or(TileError::BadPath(
                        "the level is a decimal from 0 to 63, or `entries`",
                    ))?;
                (
                    TileKind::Hashes {
                        level: u8::try_from(level)
                            .map_err(|_| TileError::BadPath("the level is too large"))?,
                    },
                    rest,
                )
            }
            None => return Err(TileError::BadPath("empty")),
        };
        // A partial tile's last index group reads `NNN.p`, followed by the width.
        let (groups, width) = match rest.iter().position(|g| g.ends_with(".p")) {
            Some(p) if p + 2 == rest.len() => {
                let w = strict_decimal(rest[p + 1])
                    .filter(|w| (1..WIDTH).contains(w))
                    .ok_or(TileError::BadPath(
                        "a partial tile's width is a decimal from 1 to 255",
                    ))?;
                let mut groups = rest[..=p].to_vec();
                groups[p] = &rest[p][..rest[p].len() - 2];
                (groups, w)
            }
            Some(_) => return Err(TileError::BadPath("`.p/<W>` ends a tile path")),
            None => (rest.to_vec(), WIDTH),
        };
        Ok(Tile {
            kind,
            index: parse_index(&groups)?,
            width,
        })
    }

    /// The path of this tile below the log's prefix, e.g. `tile/0/x001/234.p/5`.
    pub fn path(&self) -> String {
        let kind = match self.kind {
            TileKind::Hashes { level } => level.to_string(),
            TileKind::Entries => "entries".into(),
        };
        let partial = if self.width < WIDTH {
            format!(".p/{}", self.width)
        } else {
            String::new()
        };
        format!("tile/{kind}/{}{partial}", index_path(self.index))
    }

    /// The tree level this tile's hashes sit at (0 for entries: their leaves).
    fn tree_level(&self) -> u32 {
        match self.kind {
            TileKind::Hashes { level } => u32::from(level) * u32::from(HEIGHT),
            TileKind::Entries => 0,
        }
    }

    /// How many of this tile's slots the tree of `size` fills: 256 once it is full, less
    /// while it is the partial tile on the right edge, 0 if the tree does not reach it.
    pub fn available(kind: TileKind, index: u64, size: u64) -> u64 {
        let t = Tile {
            kind,
            index,
            width: WIDTH,
        };
        let nodes = size.checked_shr(t.tree_level()).unwrap_or(0);
        match index.checked_mul(WIDTH) {
            Some(first) => nodes.saturating_sub(first).min(WIDTH),
            None => 0,
        }
    }

    /// Whether a tree of `size` has everything this tile holds. A tile that exists never
    /// changes, since it holds only complete subtrees.
    pub fn exists_at(&self, size: u64) -> bool {
        Tile::available(self.kind, self.index, size) >= self.width
    }

    /// The perfect subtrees a hash tile holds, left to right (`index × 256` onwards at tree
    /// level `8 × L`). Call only for a tile that [`exists_at`](Self::exists_at) some size.
    pub fn nodes(&self) -> Vec<NodeId> {
        let level = u8::try_from(self.tree_level()).unwrap_or(u8::MAX);
        let first = self.index.saturating_mul(WIDTH);
        (0..self.width)
            .map(|i| NodeId {
                level,
                index: first + i,
            })
            .collect()
    }

    /// The entries an entry bundle holds.
    pub fn entries(&self) -> Range<u64> {
        let first = self.index.saturating_mul(WIDTH);
        first..first.saturating_add(self.width)
    }

    /// The entry bundles that hold entries `[from, to)`, each as wide as a tree of `to`
    /// entries allows.
    pub fn bundles(from: u64, to: u64) -> impl Iterator<Item = Tile> {
        let first = from / WIDTH;
        let last = to.div_ceil(WIDTH);
        (first..last).map(move |index| Tile {
            kind: TileKind::Entries,
            index,
            width: Tile::available(TileKind::Entries, index, to),
        })
    }
}

/// An entry bundle: each entry prefixed with its big-endian u16 length.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.as_ref().len() + 2).sum());
    for e in entries {
        let e = e.as_ref();
        let len = u16::try_from(e.len())
            .map_err(|_| TileError::BadBundle("an entry is longer than 65535 bytes"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Splits a bundle that should hold exactly `count` entries.
pub fn decode_bundle(bytes: &[u8], count: u64) -> Result<Vec<&[u8]>, TileError> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (len, tail) = rest
            .split_first_chunk::<2>()
            .ok_or(TileError::BadBundle("it ends inside a length"))?;
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return Err(TileError::BadBundle("it ends inside an entry"));
        }
        let (entry, tail) = tail.split_at(len);
        out.push(entry);
        rest = tail;
        if out.len() as u64 > count {
            return Err(TileError::BadBundle("it holds more entries than its width"));
        }
    }
    if (out.len() as u64) < count {
        return Err(TileError::BadBundle(
            "it holds fewer entries than its width",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: TileKind, index: u64, width: u64) -> Tile {
        Tile { kind, index, width }
    }

    #[test]
    fn paths_as_the_spec_writes_them() {
        let h0 = TileKind::Hashes { level: 0 };
        for (tile, path) in [
            (t(h0, 0, 256), "tile/0/000"),
            (t(h0, 1234067, 256), "tile/0/x001/x234/067"),
            (t(TileKind::Hashes { level: 2 }, 5, 7), "tile/2/005.p/7"),
            (
                t(TileKind::Entries, 1000, 255),
                "tile/entries/x001/000.p/255",
            ),
            (
                t(h0, u64::MAX, 1),
                "tile/0/x018/x446/x744/x073/x709/x551/615.p/1",
            ),
        ] {
            assert_eq!(tile.path(), path);
            assert_eq!(Tile::parse(&path["tile/".len()..]), Ok(tile), "{path}");
        }
    }

    #[test]
    fn every_other_spelling_is_refused() {
        for bad in [
            "",
            "0",
            "0/",
            "00/000",
            "64/000",
            "-1/000",
            "0/00",
            "0/0000",
            "0/x000/001",
            "0/001/002",
            "0/x1/002",
            "0/000.p",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/07",
            "0/000.p/5/6",
            "0/000.p/5.p/6",
            "0/x001.p/5/002",
            "entries",
            "entries/abc",
            "0/x018/x446/x744/x073/x709/x551/616",
            "0/x001/x001/x001/x001/x001/x001/x001/001",
            "Entries/000",
            "0/+01",
        ] {
            assert!(Tile::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn availability_follows_the_tree_size() {
        let h0 = TileKind::Hashes { level: 0 };
        let h1 = TileKind::Hashes { level: 1 };
        assert_eq!(Tile::available(h0, 0, 0), 0);
        assert_eq!(Tile::available(h0, 0, 5), 5);
        assert_eq!(Tile::available(h0, 0, 300), 256);
        assert_eq!(Tile::available(h0, 1, 300), 44);
        assert_eq!(Tile::available(h1, 0, 300), 1);
        assert_eq!(Tile::available(h1, 0, 255), 0);
        assert_eq!(
            Tile::available(TileKind::Hashes { level: 8 }, 0, u64::MAX),
            0
        );
        assert_eq!(
            Tile::available(TileKind::Hashes { level: 7 }, 0, u64::MAX),
            255
        );
        assert_eq!(Tile::available(h0, u64::MAX, u64::MAX), 0);
        assert!(t(h0, 1, 44).exists_at(300));
        assert!(!t(h0, 1, 45).exists_at(300));
        let ids = t(h1, 2, 3).nodes();
        assert_eq!(
            ids.first(),
            Some(&NodeId {
                level: 8,
                index: 512
            })
        );
        assert_eq!(ids.len(), 3);
        let b: Vec<Tile> = Tile::bundles(250, 600).collect();
        assert_eq!(
            b,
            vec![
                t(TileKind::Entries, 0, 256),
                t(TileKind::Entries, 1, 256),
                t(TileKind::Entries, 2, 88)
            ]
        );
        assert_eq!(Tile::bundles(512, 512).count(), 0);
    }

    #[test]
    fn bundles_round_trip_and_refuse_damage() {
        let entries: Vec<Vec<u8>> = vec![vec![], vec![1, 2, 3], vec![7; 300]];
        let b = encode_bundle(&entries).unwrap();
        assert_eq!(&b[..2], &[0, 0]);
        let back = decode_bundle(&b, 3).unwrap();
        assert_eq!(back, entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
        assert!(decode_bundle(&b, 2).is_err());
        assert!(decode_bundle(&b, 4).is_err());
        assert!(decode_bundle(&b[..b.len() - 1], 3).is_err());
        assert!(decode_bundle(&[0], 1).is_err());
        assert!(encode_bundle(&[vec![0u8; 65536]]).is_err());
    }
}
