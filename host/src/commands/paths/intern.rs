//! Channel names to ids, and a path's items to ids with the path's hash.

use std::collections::HashMap;

use super::scan::find;
use super::show;

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// Splits one path into key ids; returns the hash of the id sequence.
#[inline]
pub(super) fn split_path(
    field: &[u8],
    sep: &[u8],
    keys: &mut Interner,
    out: &mut Vec<u32>,
) -> Result<u64, String> {
    let mut rest = field.trim_ascii();
    if rest.is_empty() {
        return Err("the path is empty".into());
    }
    let mut h = 0u64;
    loop {
        let (item, next) = match find(rest, sep) {
            Some(i) => (&rest[..i], Some(&rest[i + sep.len()..])),
            None => (rest, None),
        };
        let item = item.trim_ascii();
        if item.is_empty() {
            return Err(format!(
                "the path `{}` has an empty channel at position {}",
                show(field.trim_ascii()),
                out.len() + 1
            ));
        }
        h = step(h, item, keys, out)?;
        match next {
            Some(n) => rest = n,
            None => return Ok(fmix64(h ^ out.len() as u64)),
        }
    }
}

/// One item of a path: its id appended to `out`, and the path's running hash.
#[inline]
fn step(h: u64, item: &[u8], keys: &mut Interner, out: &mut Vec<u32>) -> Result<u64, String> {
    let id = keys.id(item)?;
    out.push(id);
    Ok((h.rotate_left(23) ^ keys.hashes[id as usize]).wrapping_mul(MIX))
}

/// A path given as a list of channels (an Arrow list column) into key ids, by the rules of
/// [`split_path`]: items trimmed, none empty or missing, and the same hash, so a list and
/// the separator-joined text of the same path are the same path. `None` is a null item.
pub(super) fn list_path<'a>(
    items: impl Iterator<Item = Option<&'a [u8]>>,
    keys: &mut Interner,
    out: &mut Vec<u32>,
) -> Result<u64, String> {
    let mut h = 0u64;
    for item in items {
        let at = out.len() + 1;
        let item = item
            .ok_or_else(|| format!("the path's channel at position {at} is missing (null)"))?
            .trim_ascii();
        if item.is_empty() {
            return Err(format!("the path has an empty channel at position {at}"));
        }
        h = step(h, item, keys, out)?;
    }
    if out.is_empty() {
        return Err("the path is empty".into());
    }
    Ok(fmix64(h ^ out.len() as u64))
}

/// murmur3's 64-bit finalizer: every input bit reaches every output bit.
#[inline]
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Channel names → ids in order of first appearance. A small open-addressed cache in front
/// of the map answers the usual dozens of channels from the first and last eight bytes of
/// the name (which for names of up to 16 bytes are the whole name).
///
/// The cache is a fast path in front of `HashMap`: 6.6M lookups on the 1M-path table, over
/// a dozen names. It came in with the separator search and the two-thread credit in one
/// change on 2026-11-25 ("faster channel lookup, separator search and crediting"), whose
/// share of the reader's 1.2 s → 0.34–0.41 s was not measured alone (docs/performance.md,
/// section `paths`). Benchmark: `cargo bench -p ascribe --bench paths -- --read`.
pub(super) struct Interner {
    ids: HashMap<Box<[u8]>, u32>,
    pub(super) names: Vec<String>,
    /// A 64-bit hash of each name, for path hashes that do not depend on id order.
    hashes: Vec<u64>,
    cache: Box<[Slot; CACHE]>,
}

/// Cache slots, and how far a lookup probes from its home slot.
const CACHE: usize = 1024;
const PROBES: usize = 8;

#[derive(Clone, Copy)]
struct Slot {
    first: u64,
    last: u64,
    len: u32,
    id: u32,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            ids: HashMap::new(),
            names: vec![],
            hashes: vec![],
            cache: Box::new(
                [Slot {
                    first: 0,
                    last: 0,
                    len: u32::MAX,
                    id: 0,
                }; CACHE],
            ),
        }
    }
}

impl Interner {
    #[inline]
    pub(super) fn id(&mut self, name: &[u8]) -> Result<u32, String> {
        let n = name.len();
        // Two overlapping windows cover a name of up to twice their width exactly (the
        // length is compared too), without a copy for short names.
        let (first, last) = if n >= 8 {
            (
                u64::from_le_bytes(name[..8].try_into().unwrap()),
                u64::from_le_bytes(name[n - 8..].try_into().unwrap()),
            )
        } else if n >= 4 {
            let a = u32::from_le_bytes(name[..4].try_into().unwrap()) as u64;
            let b = u32::from_le_bytes(name[n - 4..].try_into().unwrap()) as u64;
            (a | b << 32, 0)
        } else if n >= 2 {
            let a = u16::from_le_bytes(name[..2].try_into().unwrap()) as u64;
            let b = u16::from_le_bytes(name[n - 2..].try_into().unwrap()) as u64;
            (a | b << 16, 0)
        } else {
            (name.first().copied().unwrap_or(0) as u64, 0)
        };
        let home = ((first ^ last.rotate_left(29) ^ n as u64).wrapping_mul(MIX) >> 54) as usize;
        let mut free = None;
        for k in 0..PROBES {
            let slot = (home + k) % CACHE;
            let e = self.cache[slot];
            if e.len == u32::MAX {
                free = Some(slot);
                break;
            }
            if e.len == n as u32
                && e.first == first
                && e.last == last
                && (n <= 16 || self.names[e.id as usize].as_bytes() == name)
            {
                return Ok(e.id);
            }
        }
        let id = match self.ids.get(name) {
            Some(&i) => i,
            None => {
                let s = std::str::from_utf8(name)
                    .map_err(|_| format!("the channel `{}` is not valid UTF-8", show(name)))?;
                let i = self.names.len() as u32;
                self.names.push(s.to_string());
                self.hashes.push(name_hash(name));
                self.ids.insert(name.into(), i);
                i
            }
        };
        // A full neighbourhood (hundreds of channels) just means the map answers.
        if let Some(slot) = free {
            self.cache[slot] = Slot {
                first,
                last,
                len: n as u32,
                id,
            };
        }
        Ok(id)
    }

    /// Names sorted, and old id → new id.
    pub(super) fn sorted(self) -> (Vec<String>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut remap = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        let mut names = self.names;
        let sorted = order
            .iter()
            .map(|&o| std::mem::take(&mut names[o as usize]))
            .collect();
        (sorted, remap)
    }
}

fn name_hash(name: &[u8]) -> u64 {
    let mut h = name.len() as u64;
    for c in name.chunks(8) {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        h = fmix64(h ^ u64::from_le_bytes(b)).wrapping_add(MIX);
    }
    fmix64(h)
}

#[cfg(test)]
mod tests {
    use crate::commands::paths::ReadOptions;
    use crate::commands::paths::testing::parse;

    #[test]
    fn long_paths_and_many_keys_use_the_slow_key() {
        let mut text = String::from("path,total_conversions\n");
        let long: Vec<String> = (0..300).map(|i| format!("k{i}")).collect();
        text.push_str(&format!("{},1\n", long.join(">")));
        text.push_str(&format!("{},2\n", long.join(" > ")));
        let t = parse(&text, &ReadOptions::default()).unwrap();
        assert_eq!(t.paths(), 1);
        assert_eq!(t.cols.conversions, vec![3.0]);
        assert_eq!(t.cols.keys.len(), 300);
    }
}
