//! An ordered key-value store: byte-string keys and values in a `BTreeMap`, ordered the way
//! `memcmp` orders them (unsigned, lexicographic). The safe logic is here; the C ABI, which a
//! host calls, is [`ffi`].
//!
//! Everything that can fail is a [`Status`], or a [`FormatError`] for an import that is not an
//! export of this crate, so `ffi.rs` only converts between raw pointers and these functions.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;

use ffi_boundary::Status;

/// The counting allocator's figures (`alloc::live()`), for Rust programs built on this crate.
pub use ffi_boundary::alloc;
#[cfg(feature = "fault-injection")]
mod faults;
pub mod ffi;

/// `kv_get` found no value under the key. This binding's first code (the boundary's end at 63).
pub const NOT_FOUND: Status = Status(Status::FIRST_BINDING_CODE);
/// `kv_import` was given bytes that are not an export of this crate; `last_error_message()` says
/// where and why.
pub const BAD_EXPORT: Status = Status(Status::FIRST_BINDING_CODE + 1);

/// The first bytes of every export.
pub const EXPORT_MAGIC: &[u8; 4] = b"RJKV";
/// The export format's version, after the magic (`u32`, little-endian).
pub const EXPORT_VERSION: u32 = 1;

/// What a [`Store`] holds, in numbers: `kv_stats` hands it to the host as a `KvStats`.
#[derive(Debug, PartialEq, Eq)]
pub struct Stats<'a> {
    pub entries: u64,
    pub key_bytes: u64,
    pub value_bytes: u64,
    /// The greatest key; `None` when the store is empty.
    pub last_key: Option<&'a [u8]>,
}

/// Why an import was refused, with the byte offset where reading stopped.
#[derive(Debug, PartialEq, Eq)]
pub struct FormatError {
    pub offset: usize,
    pub reason: &'static str,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an export of this store: {} at byte {}", self.reason, self.offset)
    }
}

/// The store. Keys and values are copied in; the byte counts are kept as entries come and go, so
/// [`Store::stats`] costs no walk over the map.
#[derive(Default)]
pub struct Store {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    key_bytes: u64,
    value_bytes: u64,
}

/// A copy of `bytes` in a new vector, or `OUT_OF_MEMORY`: the large allocations of a call are
/// refused with a status, not an abort, so a value too large for the module's memory costs the
/// caller an exception and not the instance.
fn copy(bytes: &[u8]) -> Result<Vec<u8>, Status> {
    let mut v = Vec::new();
    v.try_reserve_exact(bytes.len()).map_err(|_| Status::OUT_OF_MEMORY)?;
    v.extend_from_slice(bytes);
    Ok(v)
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    /// Stores `value` under `key`; true if it replaced a value.
    pub fn put(&mut self, key: &[u8], value: &[u8]) -> Result<bool, Status> {
        if let Some(old) = self.map.get_mut(key) {
            let new = copy(value)?;
            self.value_bytes = self.value_bytes - old.len() as u64 + new.len() as u64;
            *old = new;
            return Ok(true);
        }
        let (key, value) = (copy(key)?, copy(value)?);
        self.key_bytes += key.len() as u64;
        self.value_bytes += value.len() as u64;
        self.map.insert(key, value);
        Ok(false)
    }

    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.map.get(key).map(Vec::as_slice)
    }

    /// Removes `key`; true if it was there.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        match self.map.remove(key) {
            Some(value) => {
                self.key_bytes -= key.len() as u64;
                self.value_bytes -= value.len() as u64;
                true
            }
            None => false,
        }
    }

    /// The entries with `from <= key < to` (`to: None`, no upper bound), in order. A range whose
    /// end is before its start is empty (`BTreeMap::range` would panic on it).
    pub fn range<'a>(&'a self, from: &[u8], to: Option<&[u8]>) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let upper = match to {
            Some(to) if to < from => Some(from), // empty: [from, from)
            other => other,
        };
        let bounds = (Bound::Included(from), upper.map_or(Bound::Unbounded, Bound::Excluded));
        self.map.range::<[u8], _>(bounds).map(|(k, v)| (k.as_slice(), v.as_slice()))
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn stats(&self) -> Stats<'_> {
        Stats {
            entries: self.map.len() as u64,
            key_bytes: self.key_bytes,
            value_bytes: self.value_bytes,
            last_key: self.map.keys().next_back().map(Vec::as_slice),
        }
    }

    /// Every entry as bytes [`Store::import`] reads back: the magic, the version, the number of
    /// entries (`u32`), then each key and value as a `u32` length and the bytes; little-endian.
    pub fn export(&self) -> Result<Vec<u8>, Status> {
        let size = 12 + 8 * self.map.len() as u64 + self.key_bytes + self.value_bytes;
        // Lengths are u32: only a native build could hold a longer key, and it cannot export it.
        let too_long = |n: usize| u32::try_from(n).map_err(|_| Status::INVALID_ARGUMENT);
        let mut out = Vec::new();
        let size = usize::try_from(size).map_err(|_| Status::OUT_OF_MEMORY)?;
        out.try_reserve_exact(size).map_err(|_| Status::OUT_OF_MEMORY)?;
        out.extend_from_slice(EXPORT_MAGIC);
        out.extend_from_slice(&EXPORT_VERSION.to_le_bytes());
        out.extend_from_slice(&too_long(self.map.len())?.to_le_bytes());
        for (key, value) in &self.map {
            out.extend_from_slice(&too_long(key.len())?.to_le_bytes());
            out.extend_from_slice(key);
            out.extend_from_slice(&too_long(value.len())?.to_le_bytes());
            out.extend_from_slice(value);
        }
        Ok(out)
    }

    /// Puts every entry of `data`, an [`export`](Store::export), into this store (a key already
    /// here gets the export's value); returns how many. All or nothing: `data` is read whole
    /// before the store changes.
    pub fn import(&mut self, data: &[u8]) -> Result<Result<usize, FormatError>, Status> {
        let entries = match parse(data) {
            Ok(entries) => entries,
            Err(e) => return Ok(Err(e)),
        };
        // Copies first, so that running out of memory half-way leaves the store as it was.
        let mut copies = Vec::new();
        copies.try_reserve_exact(entries.len()).map_err(|_| Status::OUT_OF_MEMORY)?;
        for (key, value) in &entries {
            copies.push((copy(key)?, copy(value)?));
        }
        let n = copies.len();
        for (key, value) in copies {
            let (key_len, value_len) = (key.len() as u64, value.len() as u64);
            match self.map.insert(key, value) {
                // The key was here: it stays counted once, and the old value goes.
                Some(old) => self.value_bytes = self.value_bytes - old.len() as u64 + value_len,
                None => {
                    self.key_bytes += key_len;
                    self.value_bytes += value_len;
                }
            }
        }
        Ok(Ok(n))
    }
}

/// Reads an export front to back.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], FormatError> {
        if self.data.len() - self.at < n {
            return Err(FormatError { offset: self.at, reason: what });
        }
        self.at += n;
        Ok(&self.data[self.at - n..self.at])
    }

    fn u32(&mut self, what: &'static str) -> Result<usize, FormatError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
}

/// The entries of an export, borrowed from it, or why it is not one.
fn parse(data: &[u8]) -> Result<Vec<(&[u8], &[u8])>, FormatError> {
    let mut r = Reader { data, at: 0 };
    if r.take(4, "too short for the magic")? != EXPORT_MAGIC {
        return Err(FormatError { offset: 0, reason: "wrong magic" });
    }
    if r.u32("too short for the version")? != EXPORT_VERSION as usize {
        return Err(FormatError { offset: 4, reason: "unknown version" });
    }
    let count = r.u32("too short for the entry count")?;
    // Every entry takes at least 8 bytes: a count larger than the rest allows is refused before
    // anything is allocated for it.
    if count > (data.len() - r.at) / 8 {
        return Err(FormatError { offset: 8, reason: "more entries than the bytes can hold" });
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let key_len = r.u32("truncated key length")?;
        let key = r.take(key_len, "truncated key")?;
        let value_len = r.u32("truncated value length")?;
        let value = r.take(value_len, "truncated value")?;
        entries.push((key, value));
    }
    if r.at != data.len() {
        return Err(FormatError { offset: r.at, reason: "bytes after the last entry" });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(entries: &[(&[u8], &[u8])]) -> Store {
        let mut s = Store::new();
        for (k, v) in entries {
            s.put(k, v).unwrap();
        }
        s
    }

    fn keys(it: impl Iterator<Item = (&'static [u8], &'static [u8])>) -> Vec<Vec<u8>> {
        it.map(|(k, _)| k.to_vec()).collect()
    }

    #[test]
    fn put_get_delete_keep_the_counts() {
        let mut s = Store::new();
        assert_eq!(s.put(b"a", b"1"), Ok(false));
        assert_eq!(s.put(b"a", b"22"), Ok(true));
        assert_eq!(s.put(b"", b""), Ok(false), "the empty key and value are ordinary");
        assert_eq!(s.get(b"a"), Some(&b"22"[..]));
        assert_eq!(s.get(b""), Some(&b""[..]));
        assert_eq!(s.get(b"b"), None);
        assert_eq!(s.stats(), Stats { entries: 2, key_bytes: 1, value_bytes: 2, last_key: Some(b"a") });
        assert!(s.delete(b"a"));
        assert!(!s.delete(b"a"));
        assert_eq!(s.stats(), Stats { entries: 1, key_bytes: 0, value_bytes: 0, last_key: Some(b"") });
        assert!(s.delete(b""));
        assert_eq!(s.stats(), Stats { entries: 0, key_bytes: 0, value_bytes: 0, last_key: None });
    }

    #[test]
    fn keys_are_ordered_as_unsigned_bytes() {
        let s = store(&[(b"\xff", b""), (b"a", b""), (b"\x00", b""), (b"ab", b""), (b"", b"")]);
        let all: Vec<Vec<u8>> = s.range(b"", None).map(|(k, _)| k.to_vec()).collect();
        assert_eq!(all, vec![b"".to_vec(), b"\x00".to_vec(), b"a".to_vec(), b"ab".to_vec(), b"\xff".to_vec()]);
    }

    #[test]
    fn ranges_include_the_start_and_exclude_the_end() {
        let s = Box::leak(Box::new(store(&[(b"a", b"1"), (b"b", b"2"), (b"c", b"3")])));
        assert_eq!(keys(s.range(b"a", Some(b"c"))), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(keys(s.range(b"b", None)), vec![b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(keys(s.range(b"bb", Some(b"z"))), vec![b"c".to_vec()]);
        assert!(keys(s.range(b"b", Some(b"b"))).is_empty());
        assert!(keys(s.range(b"c", Some(b"a"))).is_empty(), "an end before the start is empty, not a panic");
    }

    #[test]
    fn an_export_imports_back_whole() {
        let s = store(&[(b"k1", b"v1"), (b"", b"empty key"), (b"\xff\x00", b"")]);
        let bytes = s.export().unwrap();
        assert_eq!(&bytes[..4], EXPORT_MAGIC);
        let mut t = store(&[(b"k1", b"old"), (b"other", b"kept")]);
        assert_eq!(t.import(&bytes), Ok(Ok(3)));
        assert_eq!(t.get(b"k1"), Some(&b"v1"[..]));
        assert_eq!(t.get(b"other"), Some(&b"kept"[..]));
        assert_eq!(t.stats(), Stats { entries: 4, key_bytes: 9, value_bytes: 15, last_key: Some(b"\xff\x00") });
        let empty = Store::new().export().unwrap();
        assert_eq!(empty.len(), 12);
        assert_eq!(Store::new().import(&empty), Ok(Ok(0)));
    }

    #[test]
    fn a_bad_import_says_where_and_changes_nothing() {
        let good = store(&[(b"key", b"value")]).export().unwrap();
        let mut t = store(&[(b"x", b"y")]);
        let cases: Vec<(Vec<u8>, FormatError)> = vec![
            (vec![], FormatError { offset: 0, reason: "too short for the magic" }),
            (b"NOPE\x01\0\0\0\0\0\0\0".to_vec(), FormatError { offset: 0, reason: "wrong magic" }),
            ([&good[..4], &[2, 0, 0, 0], &good[8..]].concat(), FormatError { offset: 4, reason: "unknown version" }),
            ([&good[..8], &[9, 0, 0, 0], &good[12..]].concat(), FormatError { offset: 8, reason: "more entries than the bytes can hold" }),
            (good[..good.len() - 1].to_vec(), FormatError { offset: 23, reason: "truncated value" }),
            ([&good[..], b"!"].concat(), FormatError { offset: good.len(), reason: "bytes after the last entry" }),
        ];
        for (bytes, expected) in cases {
            assert_eq!(t.import(&bytes), Ok(Err(expected)));
        }
        assert_eq!(t.stats(), Stats { entries: 1, key_bytes: 1, value_bytes: 1, last_key: Some(b"x") });
        let message = FormatError { offset: 19, reason: "truncated value" }.to_string();
        assert_eq!(message, "not an export of this store: truncated value at byte 19");
    }
}
