//! The C ABI: every `extern "C"` function of the crate and the host function it imports, and
//! nothing else. The Java mirror is `kv/src/main/java/io/github/rustjava/kv/internal/Ffi.java`: a
//! change here is a change there.
//!
//! | export | C prototype |
//! |---|---|
//! | [`kv_new`] | `Kv *kv_new(void)` |
//! | [`kv_free`] | `void kv_free(Kv *kv)` |
//! | [`kv_put`] | `int32_t kv_put(Kv *kv, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)` |
//! | [`kv_get`] | `uint8_t *kv_get(const Kv *kv, const uint8_t *key, size_t key_len, size_t *value_len)` |
//! | [`kv_delete`] | `int32_t kv_delete(Kv *kv, const uint8_t *key, size_t key_len)` |
//! | [`kv_scan`] | `int32_t kv_scan(const Kv *kv, const uint8_t *from, size_t from_len, const uint8_t *to, size_t to_len, int32_t ctx)` |
//! | [`kv_stats`] | `KvStats *kv_stats(const Kv *kv)` |
//! | [`kv_stats_free`] | `void kv_stats_free(KvStats *stats)` |
//! | [`kv_export`] | `uint8_t *kv_export(const Kv *kv, size_t *len)` |
//! | [`kv_import`] | `int32_t kv_import(Kv *kv, const uint8_t *data, size_t len)` |
//!
//! and the boundary's own (`alloc`, `dealloc`, `last_status`, `last_error_message`,
//! `live_allocations`, `abi_layout`, `panic_message`), from [`ffi_boundary::exports!`].
//!
//! The one import, a function of the host called for each entry of a scan:
//! `int32_t env.kv_visit(int32_t ctx, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)`.
//!
//! Ownership, one line each: a `Kv*` is freed by `kv_free`, a `KvStats*` by `kv_stats_free`, the
//! bytes of `kv_get` and `kv_export` by `dealloc` with the length written to the out-parameter.
//! What `kv_visit` is shown is the store's own memory, valid only until it returns.
//!
//! Every export fails the same way: null (or -1) with `last_status()` saying why, from the
//! boundary's statuses and this crate's [`NOT_FOUND`] and [`BAD_EXPORT`]; `BAD_EXPORT` comes with a
//! message (`last_error_message()`).

use std::ptr;

use ffi_boundary::layout::{align_of, size_of};
use ffi_boundary::{boundary, call, fail_with, mem, offset_of, Status};

use crate::{Store, BAD_EXPORT, NOT_FOUND};

/// The store a host holds, opaque to it: C sees only `Kv *`.
pub type Kv = Store;

/// What `kv_stats` returns: the numbers of a store and a copy of its greatest key.
/// wasm32: entries@0, key_bytes@8, value_bytes@16, last_key@24, last_key_len@28, size 32, align 8.
/// x86_64: the same up to last_key@24, then last_key_len@32, size 40.
#[repr(C)]
pub struct KvStats {
    pub entries: u64,
    pub key_bytes: u64,
    pub value_bytes: u64,
    /// The greatest key, owned by the struct (freed with it); null when it is empty or there are
    /// no entries (`entries` tells which).
    pub last_key: *mut u8,
    pub last_key_len: usize,
}

#[link(wasm_import_module = "env")]
extern "C" {
    /// The host's visitor: called by [`kv_scan`] for each entry in the range, with the `ctx` the
    /// host passed to the scan. Returns 0 to go on, anything else to stop.
    fn kv_visit(ctx: i32, key: *const u8, key_len: usize, value: *const u8, value_len: usize) -> i32;
}

/// A new, empty store, owned by the caller and freed with [`kv_free`]; null with `OUT_OF_MEMORY`.
#[no_mangle]
pub extern "C" fn kv_new() -> *mut Kv {
    call(ptr::null_mut(), || mem::new_object(Store::new()))
}

/// Frees a store and everything in it. Null is ignored.
///
/// # Safety
/// `kv` must be null or a store from [`kv_new`] not freed yet, and no call may be using it.
#[no_mangle]
pub unsafe extern "C" fn kv_free(kv: *mut Kv) {
    boundary((), || mem::free_object(kv))
}

/// Copies `value` into the store under `key` (both may be empty, and null with length 0). Returns
/// 1 if it replaced a value, 0 if the key is new, or -1 with `last_status()` (`NULL_ARGUMENT`,
/// `OUT_OF_MEMORY`).
///
/// # Safety
/// `kv` must be null or a live store; `key` and `value` readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn kv_put(kv: *mut Kv, key: *const u8, key_len: usize, value: *const u8, value_len: usize) -> i32 {
    call(-1, || {
        let kv = mem::mut_arg(kv)?;
        let key = mem::bytes_arg(key, key_len)?;
        let value = mem::bytes_arg(value, value_len)?;
        #[cfg(feature = "fault-injection")] // test builds only: real faults, see faults.rs
        crate::faults::inject(key);
        Ok(kv.put(key, value)? as i32)
    })
}

/// A copy of the value under `key`: a new block of `*value_len` bytes, freed by the caller with
/// `dealloc(ptr, *value_len)`. Null when there is nothing to return: with `last_status()` OK and
/// `*value_len` 0 for an empty value, or `NOT_FOUND`, `NULL_ARGUMENT`, `OUT_OF_MEMORY`.
///
/// # Safety
/// `kv` must be null or a live store; `key` readable for `key_len` bytes; `value_len` null or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn kv_get(kv: *const Kv, key: *const u8, key_len: usize, value_len: *mut usize) -> *mut u8 {
    call(ptr::null_mut(), || {
        let kv = mem::ref_arg(kv)?;
        let key = mem::bytes_arg(key, key_len)?;
        #[cfg(feature = "fault-injection")] // test builds only: a result no correct build returns
        if let Some(bad) = crate::faults::bad_value(key, value_len) { return Ok(bad); }
        let value = kv.get(key).ok_or(NOT_FOUND)?;
        mem::write_out(value_len, value.len())?;
        mem::bytes_out(value)
    })
}

/// Removes `key`: 1 if it was there, 0 if not, -1 with `NULL_ARGUMENT`.
///
/// # Safety
/// `kv` must be null or a live store; `key` readable for `key_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn kv_delete(kv: *mut Kv, key: *const u8, key_len: usize) -> i32 {
    call(-1, || {
        let kv = mem::mut_arg(kv)?;
        let key = mem::bytes_arg(key, key_len)?;
        Ok(kv.delete(key) as i32)
    })
}

/// Calls the host's `kv_visit(ctx, key, key_len, value, value_len)` for each entry with
/// `from <= key < to`, in order, until it returns non-zero; a null `to` is no upper bound (and
/// `to_len` is ignored). Returns how many entries were visited (the one that stopped the scan
/// included), or -1 with `NULL_ARGUMENT`. The store must not change while the scan runs: the host
/// refuses calls into the store from inside `kv_visit`.
///
/// # Safety
/// `kv` must be null or a live store; `from` and a non-null `to` readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn kv_scan(kv: *const Kv, from: *const u8, from_len: usize, to: *const u8, to_len: usize, ctx: i32) -> i32 {
    call(-1, || {
        let kv = mem::ref_arg(kv)?;
        let from = mem::bytes_arg(from, from_len)?;
        let to = if to.is_null() { None } else { Some(mem::bytes_arg(to, to_len)?) };
        let mut visited = 0i32;
        for (key, value) in kv.range(from, to) {
            visited = visited.saturating_add(1);
            if kv_visit(ctx, key.as_ptr(), key.len(), value.as_ptr(), value.len()) != 0 {
                break;
            }
        }
        Ok(visited)
    })
}

/// The store's numbers and a copy of its greatest key: a new `KvStats`, freed with
/// [`kv_stats_free`]; null with `NULL_ARGUMENT` or `OUT_OF_MEMORY`.
///
/// # Safety
/// `kv` must be null or a live store.
#[no_mangle]
pub unsafe extern "C" fn kv_stats(kv: *const Kv) -> *mut KvStats {
    call(ptr::null_mut(), || {
        let stats = mem::ref_arg(kv)?.stats();
        let last = stats.last_key.unwrap_or(&[]);
        let last_key = mem::bytes_out(last)?;
        let out = KvStats {
            entries: stats.entries,
            key_bytes: stats.key_bytes,
            value_bytes: stats.value_bytes,
            last_key,
            last_key_len: last.len(),
        };
        mem::new_object(out).map_err(|status| {
            ffi_boundary::exports::dealloc(last_key, last.len());
            status
        })
    })
}

/// Frees a `KvStats` and its key. Null is ignored.
///
/// # Safety
/// `stats` must be null or a pointer from [`kv_stats`] not freed yet, with its fields unchanged.
#[no_mangle]
pub unsafe extern "C" fn kv_stats_free(stats: *mut KvStats) {
    boundary((), || {
        if let Some(s) = stats.as_ref() {
            ffi_boundary::exports::dealloc(s.last_key, s.last_key_len);
            mem::free_object(stats);
        }
    })
}

/// Every entry of the store as bytes `kv_import` reads back (see [`Store::export`]): a new block
/// of `*len` bytes (never empty), freed by the caller with `dealloc(ptr, *len)`; null with
/// `NULL_ARGUMENT` or `OUT_OF_MEMORY`.
///
/// # Safety
/// `kv` must be null or a live store; `len` null or writable.
#[no_mangle]
pub unsafe extern "C" fn kv_export(kv: *const Kv, len: *mut usize) -> *mut u8 {
    call(ptr::null_mut(), || {
        let bytes = mem::ref_arg(kv)?.export()?;
        mem::write_out(len, bytes.len())?;
        Ok(mem::vec_out(bytes))
    })
}

/// Puts every entry of `data`, an export of this crate, into the store; all or nothing. Returns
/// how many entries, or -1 with `BAD_EXPORT` (and a message saying where and why),
/// `NULL_ARGUMENT` or `OUT_OF_MEMORY`.
///
/// # Safety
/// `kv` must be null or a live store; `data` readable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn kv_import(kv: *mut Kv, data: *const u8, len: usize) -> i32 {
    call(-1, || {
        let kv = mem::mut_arg(kv)?;
        let data = mem::bytes_arg(data, len)?;
        match kv.import(data)? {
            Ok(n) => Ok(n.min(i32::MAX as usize) as i32),
            Err(e) => Err(fail_with(BAD_EXPORT, format_args!("{}", e))),
        }
    })
}

/// Version of this ABI; `abi_layout(0)` answers it.
pub const ABI_VERSION: i32 = 1;

ffi_boundary::exports! { abi_version: ABI_VERSION, layout: layout }

/// This build's struct layout, the queries of `abi_layout` from 2 up (the boundary answers 0 and
/// 1), so a host can check its own constants:
///
/// | query | answer |
/// |---|---|
/// | 2, 3 | `KvStats` size, align |
/// | 4, 5, 6, 7, 8 | offsets of `entries`, `key_bytes`, `value_bytes`, `last_key`, `last_key_len` |
fn layout(query: i32) -> Option<i32> {
    Some(match query {
        2 => size_of::<KvStats>(),
        3 => align_of::<KvStats>(),
        4 => offset_of!(KvStats, entries),
        5 => offset_of!(KvStats, key_bytes),
        6 => offset_of!(KvStats, value_bytes),
        7 => offset_of!(KvStats, last_key),
        8 => offset_of!(KvStats, last_key_len),
        _ => return None,
    })
}

// The statuses this crate adds start where the boundary leaves room for bindings.
const _: () = assert!(NOT_FOUND.0 >= Status::FIRST_BINDING_CODE && BAD_EXPORT.0 == NOT_FOUND.0 + 1);

#[cfg(test)]
mod tests {
    use super::*;
    use ffi_boundary::alloc::live_on_this_thread;
    use std::cell::RefCell;
    use std::ffi::CStr;

    thread_local! {
        /// What the stand-in visitor saw on this thread, and after how many entries it stops.
        static VISITED: RefCell<(Vec<(i32, Vec<u8>, Vec<u8>)>, usize)> = RefCell::new((Vec::new(), usize::MAX));
    }

    /// The host's function, natively: records each entry and stops after the set number.
    #[no_mangle]
    extern "C" fn kv_visit(ctx: i32, key: *const u8, key_len: usize, value: *const u8, value_len: usize) -> i32 {
        VISITED.with(|v| {
            let mut v = v.borrow_mut();
            let (k, val) = unsafe { (std::slice::from_raw_parts(key, key_len), std::slice::from_raw_parts(value, value_len)) };
            v.0.push((ctx, k.to_vec(), val.to_vec()));
            (v.0.len() >= v.1) as i32
        })
    }

    fn scan(kv: *const Kv, from: &[u8], to: Option<&[u8]>, stop_after: usize) -> (i32, Vec<(i32, Vec<u8>, Vec<u8>)>) {
        VISITED.with(|v| *v.borrow_mut() = (Vec::new(), stop_after));
        let (to_ptr, to_len) = to.map_or((ptr::null(), 7), |t| (t.as_ptr(), t.len()));
        let n = unsafe { kv_scan(kv, from.as_ptr(), from.len(), to_ptr, to_len, 42) };
        (n, VISITED.with(|v| std::mem::take(&mut v.borrow_mut().0)))
    }

    unsafe fn put(kv: *mut Kv, k: &[u8], v: &[u8]) -> i32 {
        kv_put(kv, k.as_ptr(), k.len(), v.as_ptr(), v.len())
    }

    unsafe fn get(kv: *const Kv, k: &[u8]) -> Option<Vec<u8>> {
        let mut len = usize::MAX;
        let p = kv_get(kv, k.as_ptr(), k.len(), &mut len);
        if p.is_null() {
            return if last_status() == 0 { assert_eq!(len, 0); Some(Vec::new()) } else { None };
        }
        let v = std::slice::from_raw_parts(p, len).to_vec();
        dealloc(p, len);
        Some(v)
    }

    #[test]
    fn a_store_lives_across_calls_and_frees_everything() {
        let before = live_on_this_thread();
        unsafe {
            let kv = kv_new();
            assert_eq!(put(kv, b"k", b"v"), 0);
            assert_eq!(put(kv, b"k", b"w"), 1);
            assert_eq!(put(kv, b"empty", b""), 0);
            assert_eq!(kv_put(kv, ptr::null(), 0, b"x".as_ptr(), 1), 0, "null with length 0 is the empty key");
            assert_eq!(get(kv, b""), Some(b"x".to_vec()));
            assert_eq!(get(kv, b"k"), Some(b"w".to_vec()));
            assert_eq!(get(kv, b"empty"), Some(Vec::new()), "an empty value: null with OK");
            assert_eq!(get(kv, b"none"), None);
            assert_eq!(last_status(), NOT_FOUND.0);
            assert_eq!(kv_delete(kv, b"k".as_ptr(), 1), 1);
            assert_eq!(kv_delete(kv, b"k".as_ptr(), 1), 0);
            kv_free(kv);
            kv_free(ptr::null_mut());
        }
        assert_eq!(live_on_this_thread(), before);
    }

    #[test]
    fn null_arguments_are_statuses() {
        unsafe {
            assert_eq!(kv_put(ptr::null_mut(), ptr::null(), 0, ptr::null(), 0), -1);
            assert_eq!(last_status(), Status::NULL_ARGUMENT.0);
            let kv = kv_new();
            assert_eq!(kv_put(kv, ptr::null(), 3, ptr::null(), 0), -1);
            assert_eq!(last_status(), Status::NULL_ARGUMENT.0);
            put(kv, b"k", b"v");
            assert!(kv_get(kv, b"k".as_ptr(), 1, ptr::null_mut()).is_null(), "the out-parameter is required");
            assert_eq!(last_status(), Status::NULL_ARGUMENT.0);
            assert!(kv_stats(ptr::null()).is_null());
            assert_eq!(kv_scan(ptr::null(), ptr::null(), 0, ptr::null(), 0, 0), -1);
            assert_eq!(kv_import(kv, ptr::null(), 1), -1);
            assert_eq!(last_status(), Status::NULL_ARGUMENT.0);
            kv_free(kv);
        }
    }

    #[test]
    fn a_scan_calls_the_host_for_each_entry_in_the_range_until_it_stops() {
        unsafe {
            let kv = kv_new();
            for k in [&b"a"[..], b"b", b"c", b"d"] {
                put(kv, k, &[k[0].to_ascii_uppercase()]);
            }
            let (n, seen) = scan(kv, b"b", Some(b"d"), usize::MAX);
            assert_eq!(n, 2);
            assert_eq!(seen, vec![(42, b"b".to_vec(), b"B".to_vec()), (42, b"c".to_vec(), b"C".to_vec())]);
            let (n, seen) = scan(kv, b"", None, usize::MAX);
            assert_eq!((n, seen.len()), (4, 4), "a null end is no bound, whatever its length");
            let (n, seen) = scan(kv, b"a", None, 2);
            assert_eq!((n, seen.len()), (2, 2), "non-zero from the host stops the scan");
            let (n, seen) = scan(kv, b"d", Some(b"a"), usize::MAX);
            assert_eq!((n, seen.len()), (0, 0));
            kv_free(kv);
        }
    }

    #[test]
    fn stats_carry_a_copy_of_the_last_key_freed_with_them() {
        let before = live_on_this_thread();
        unsafe {
            let kv = kv_new();
            let empty = kv_stats(kv);
            assert_eq!(((*empty).entries, (*empty).last_key, (*empty).last_key_len), (0, ptr::null_mut(), 0));
            kv_stats_free(empty);
            put(kv, b"apple", b"1");
            put(kv, b"pear", b"22");
            let s = kv_stats(kv);
            assert_eq!(((*s).entries, (*s).key_bytes, (*s).value_bytes), (2, 9, 3));
            assert_eq!(std::slice::from_raw_parts((*s).last_key, (*s).last_key_len), b"pear");
            kv_stats_free(s);
            kv_stats_free(ptr::null_mut());
            kv_free(kv);
        }
        assert_eq!(live_on_this_thread(), before);
    }

    #[test]
    fn an_export_is_one_block_and_a_bad_import_has_a_message() {
        let before = live_on_this_thread();
        unsafe {
            let kv = kv_new();
            put(kv, b"k", b"v");
            let mut len = 0;
            let bytes = kv_export(kv, &mut len);
            assert_eq!(len, 12 + 8 + 2);
            let copy = kv_new();
            assert_eq!(kv_import(copy, bytes, len), 1);
            assert_eq!(get(copy, b"k"), Some(b"v".to_vec()));
            assert_eq!(kv_import(copy, bytes, len - 1), -1);
            assert_eq!(last_status(), BAD_EXPORT.0);
            let message = CStr::from_ptr(last_error_message()).to_str().unwrap();
            assert_eq!(message, "not an export of this store: truncated value at byte 21");
            dealloc(bytes, len);
            kv_free(copy);
            kv_free(kv);
        }
        assert_eq!(live_on_this_thread(), before);
    }

    #[test]
    fn layout_matches_the_compiler() {
        let ptr_size = std::mem::size_of::<usize>() as i32;
        assert_eq!(abi_layout(0), ABI_VERSION);
        assert_eq!(abi_layout(1), ptr_size);
        assert_eq!(abi_layout(2), 24 + 2 * ptr_size, "no padding: 32 bytes on wasm32, 40 on x86_64");
        assert_eq!(abi_layout(3), 8);
        assert_eq!((abi_layout(4), abi_layout(5), abi_layout(6), abi_layout(7)), (0, 8, 16, 24));
        assert_eq!(abi_layout(8), 24 + ptr_size);
        assert_eq!(abi_layout(9), -1);
    }
}
