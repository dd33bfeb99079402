//! Values across the boundary: arguments in, results out. Every function refuses a null pointer
//! with [`Status::NULL_ARGUMENT`] (where null is not a valid value) and a failed allocation with
//! [`Status::OUT_OF_MEMORY`], so an export's body is a chain of `?`.
//!
//! What the host receives, and how it gives it back:
//! - bytes from [`bytes_out`]: a block of exactly that many bytes, freed with the `dealloc`
//!   export and the same length;
//! - an object from [`new_object`]: an opaque pointer, freed by the binding's own free export,
//!   which calls [`free_object`].

use std::alloc::Layout;
use std::os::raw::c_char;
use std::ptr;

use crate::Status;

/// Finds the NUL of a C string and tells whether the bytes before it are all ASCII, in one pass.
/// `s` must not be null.
///
/// On wasm32 it reads whole aligned 8-byte words ([`scan_words`]): each load is a bounds-checked
/// access in a Wasm runtime, so eight bytes per load instead of one is most of the cost of a long
/// name. Natively the string's NUL is found by `strlen` (through `CStr`), and the ASCII check is
/// a second pass over the slice: a word read past the NUL could leave the string's allocation,
/// which is undefined behaviour in Rust's model even where the hardware allows it.
///
/// # Safety
/// `s` must point to a NUL-terminated byte string that stays unchanged while the slice is used.
#[cfg(target_arch = "wasm32")]
#[inline]
pub unsafe fn scan_c_str<'a>(s: *const c_char) -> (&'a [u8], bool) {
    scan_words(s)
}

/// Finds the NUL of a C string and tells whether the bytes before it are all ASCII. `s` must not
/// be null. See the wasm32 version for why the two differ.
///
/// # Safety
/// `s` must point to a NUL-terminated byte string that stays unchanged while the slice is used.
#[cfg(not(target_arch = "wasm32"))]
#[inline]
pub unsafe fn scan_c_str<'a>(s: *const c_char) -> (&'a [u8], bool) {
    let bytes = std::ffi::CStr::from_ptr(s).to_bytes();
    (bytes, bytes.is_ascii())
}

/// The word-wise scan. It reads whole aligned 8-byte words, so it may read up to 7 bytes past the
/// NUL, but never past the aligned word that holds it: in a Wasm memory that word cannot cross the
/// memory's end (a multiple of the 64 KiB page), so the read cannot trap. The reads are volatile
/// so that the optimiser treats them as plain loads and draws no conclusions from the bytes past
/// the end.
///
/// # Safety
/// `s` must point to a NUL-terminated byte string, and the aligned word holding its NUL must be
/// readable: always true in a Wasm memory; natively only when the string's allocation extends to
/// that word's end (the tests use such buffers).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline]
unsafe fn scan_words<'a>(s: *const c_char) -> (&'a [u8], bool) {
    const LOW: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let start = s.cast::<u8>();
    let mut len = 0;
    let mut high_bits = 0u8;
    // Up to the first aligned word, byte by byte.
    while (start as usize + len) % 8 != 0 {
        let b = *start.add(len);
        if b == 0 {
            return (std::slice::from_raw_parts(start, len), high_bits < 0x80);
        }
        high_bits |= b;
        len += 1;
    }
    // Whole words until one holds a zero byte: (w - 0x01..) & !w & 0x80.. is non-zero exactly then.
    let mut high_words = 0u64;
    loop {
        let w = ptr::read_volatile(start.add(len).cast::<u64>());
        if w.wrapping_sub(LOW) & !w & HIGH != 0 {
            break;
        }
        high_words |= w;
        len += 8;
    }
    // The NUL is in this word: find it byte by byte.
    loop {
        let b = *start.add(len);
        if b == 0 {
            break;
        }
        high_bits |= b;
        len += 1;
    }
    (std::slice::from_raw_parts(start, len), high_bits < 0x80 && high_words & HIGH == 0)
}

/// A C string argument as UTF-8.
///
/// # Safety
/// `s` must be null or point to a NUL-terminated byte string that outlives `'a` unchanged.
pub unsafe fn c_str_arg<'a>(s: *const c_char) -> Result<&'a str, Status> {
    if s.is_null() {
        return Err(Status::NULL_ARGUMENT);
    }
    let (bytes, ascii) = scan_c_str(s);
    if ascii {
        // SAFETY: ASCII is UTF-8.
        return Ok(std::str::from_utf8_unchecked(bytes));
    }
    std::str::from_utf8(bytes).map_err(|_| Status::INVALID_UTF8)
}

/// A byte-array argument: `len` bytes at `ptr`. Null is accepted only with `len` 0, as the empty
/// array.
///
/// # Safety
/// `ptr` must be null or readable for `len` bytes that outlive `'a` unchanged.
pub unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Status> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(Status::NULL_ARGUMENT) };
    }
    if len > isize::MAX as usize {
        return Err(Status::INVALID_ARGUMENT);
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// A UTF-8 string argument given as pointer and length (no NUL needed).
///
/// # Safety
/// As [`bytes_arg`].
pub unsafe fn str_arg<'a>(ptr: *const u8, len: usize) -> Result<&'a str, Status> {
    std::str::from_utf8(bytes_arg(ptr, len)?).map_err(|_| Status::INVALID_UTF8)
}

/// A pointer argument to a value the call only reads (a struct the host filled, or an object from
/// [`new_object`]).
///
/// # Safety
/// `ptr` must be null or point to a valid `T` that nothing changes during `'a`.
pub unsafe fn ref_arg<'a, T>(ptr: *const T) -> Result<&'a T, Status> {
    ptr.as_ref().ok_or(Status::NULL_ARGUMENT)
}

/// A pointer argument to a value the call may change (an object from [`new_object`]).
///
/// # Safety
/// `ptr` must be null or point to a valid `T` that nothing else uses during `'a`.
pub unsafe fn mut_arg<'a, T>(ptr: *mut T) -> Result<&'a mut T, Status> {
    ptr.as_mut().ok_or(Status::NULL_ARGUMENT)
}

/// Writes an out-parameter. The old contents are overwritten, never read or dropped.
///
/// # Safety
/// `out` must be null or valid for a write of a `T`, and aligned.
pub unsafe fn write_out<T>(out: *mut T, value: T) -> Result<(), Status> {
    if out.is_null() {
        return Err(Status::NULL_ARGUMENT);
    }
    out.write(value);
    Ok(())
}

/// Copies `bytes` into a new block for the host. The host owns it and frees it with the `dealloc`
/// export and `bytes.len()`; a binding returns the length beside it (an out-parameter, a struct
/// field). Empty bytes are a null pointer, and there is nothing to free.
pub fn bytes_out(bytes: &[u8]) -> Result<*mut u8, Status> {
    if bytes.is_empty() {
        return Ok(ptr::null_mut());
    }
    let layout = Layout::array::<u8>(bytes.len()).map_err(|_| Status::OUT_OF_MEMORY)?;
    // SAFETY: the layout's size is not zero.
    let block = unsafe { std::alloc::alloc(layout) };
    if block.is_null() {
        return Err(Status::OUT_OF_MEMORY);
    }
    // SAFETY: a new block of bytes.len() bytes, which cannot overlap `bytes`.
    unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), block, bytes.len()) };
    Ok(block)
}

/// Moves `value` to the heap, for the host to hold as an opaque pointer. A failed allocation is
/// [`Status::OUT_OF_MEMORY`], not an abort. The binding's free export hands the pointer to
/// [`free_object`].
pub fn new_object<T>(value: T) -> Result<*mut T, Status> {
    let layout = Layout::new::<T>();
    if layout.size() == 0 {
        return Ok(Box::into_raw(Box::new(value)));
    }
    // SAFETY: the layout's size is not zero.
    let object = unsafe { std::alloc::alloc(layout) }.cast::<T>();
    if object.is_null() {
        return Err(Status::OUT_OF_MEMORY);
    }
    // SAFETY: a new block with T's layout.
    unsafe { object.write(value) };
    Ok(object)
}

/// Drops an object made by [`new_object`] and frees its memory. Null is ignored.
///
/// # Safety
/// `object` must be null or a pointer from `new_object::<T>` that has not been freed yet.
pub unsafe fn free_object<T>(object: *mut T) {
    if !object.is_null() {
        // new_object allocated with Layout::new::<T>(), the layout Box uses.
        drop(Box::from_raw(object));
    }
}

/// Hands `bytes` to the host without copying them: the vector's block, shrunk to its length, freed
/// with the `dealloc` export and `bytes.len()`. An empty vector is a null pointer, with nothing
/// to free, as for [`bytes_out`].
pub fn vec_out(bytes: Vec<u8>) -> *mut u8 {
    if bytes.is_empty() {
        return ptr::null_mut();
    }
    // A boxed slice's block has exactly `len` bytes with alignment 1: the layout `dealloc` frees.
    Box::into_raw(bytes.into_boxed_slice()).cast::<u8>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc::live_on_this_thread;
    use std::ffi::CString;

    #[test]
    fn the_word_scan_finds_the_nul_at_every_alignment_and_length() {
        // A buffer of non-zero bytes, with the string placed at each offset of an aligned word and
        // ending at each position of the next words. The scan's reads past the NUL stay inside
        // the buffer: its last string ends 26 bytes before the buffer's end.
        let mut words = vec![0u64; 10];
        let buf = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), 80) };
        for start in 0..8 {
            for len in 0..40 {
                for (i, b) in buf.iter_mut().enumerate() {
                    *b = if i == start + len { 0 } else { b'a' + (i % 26) as u8 };
                }
                let (bytes, ascii) = unsafe { scan_words(buf[start..].as_ptr().cast()) };
                assert_eq!(bytes.len(), len, "start {start}, len {len}");
                assert!(ascii);
                // One non-ASCII byte anywhere in the string is noticed, in the head, words or tail.
                for at in 0..len {
                    buf[start + at] = 0xE4;
                    let (bytes, ascii) = unsafe { scan_words(buf[start..].as_ptr().cast()) };
                    assert_eq!((bytes.len(), ascii), (len, false), "start {start}, len {len}, at {at}");
                    buf[start + at] = b'a';
                }
            }
        }
    }

    #[test]
    fn scan_c_str_reads_no_further_than_the_nul() {
        // Natively a string at the very end of its allocation: the scan must stop at the NUL.
        for len in 0..20 {
            let s = CString::new("x".repeat(len)).unwrap();
            let (bytes, ascii) = unsafe { scan_c_str(s.as_ptr()) };
            assert_eq!((bytes.len(), ascii), (len, true));
        }
        let s = CString::new("张三").unwrap();
        assert_eq!(unsafe { scan_c_str(s.as_ptr()) }, ("张三".as_bytes(), false));
    }

    #[test]
    fn arguments_refuse_null_and_bad_utf8() {
        unsafe {
            assert_eq!(c_str_arg(ptr::null()), Err(Status::NULL_ARGUMENT));
            let bad = CString::new(vec![0xC3, 0x28]).unwrap();
            assert_eq!(c_str_arg(bad.as_ptr()), Err(Status::INVALID_UTF8));
            let good = CString::new("张三 ok").unwrap();
            assert_eq!(c_str_arg(good.as_ptr()), Ok("张三 ok"));
            assert_eq!(bytes_arg(ptr::null(), 0), Ok(&[][..]));
            assert_eq!(bytes_arg(ptr::null(), 1), Err(Status::NULL_ARGUMENT));
            assert_eq!(bytes_arg(b"abc".as_ptr(), usize::MAX), Err(Status::INVALID_ARGUMENT));
            assert_eq!(str_arg(b"abc".as_ptr(), 2), Ok("ab"));
            assert_eq!(str_arg([0xFFu8].as_ptr(), 1), Err(Status::INVALID_UTF8));
            assert_eq!(ref_arg::<u32>(ptr::null()), Err(Status::NULL_ARGUMENT));
            assert_eq!(ref_arg(&7u32), Ok(&7));
            assert_eq!(mut_arg::<u32>(ptr::null_mut()), Err(Status::NULL_ARGUMENT));
        }
    }

    #[test]
    fn out_parameters_refuse_null() {
        let mut out = 0usize;
        unsafe {
            assert_eq!(write_out(&mut out, 42), Ok(()));
            assert_eq!(write_out(ptr::null_mut::<usize>(), 1), Err(Status::NULL_ARGUMENT));
        }
        assert_eq!(out, 42);
    }

    #[test]
    fn bytes_out_is_one_block_freed_by_dealloc() {
        let before = live_on_this_thread();
        let p = bytes_out(b"hello").unwrap();
        assert_eq!(live_on_this_thread(), before + 1);
        assert_eq!(unsafe { std::slice::from_raw_parts(p, 5) }, b"hello");
        unsafe { crate::exports::dealloc(p, 5) };
        assert_eq!(live_on_this_thread(), before);
        assert_eq!(bytes_out(b""), Ok(ptr::null_mut()), "nothing to free");
        assert_eq!(live_on_this_thread(), before);
    }

    #[test]
    fn vec_out_hands_over_the_block_freed_by_dealloc() {
        let before = live_on_this_thread();
        let mut v = Vec::with_capacity(100);
        v.extend_from_slice(b"spare capacity");
        let p = vec_out(v);
        assert_eq!(unsafe { std::slice::from_raw_parts(p, 14) }, b"spare capacity");
        unsafe { crate::exports::dealloc(p, 14) };
        assert_eq!(live_on_this_thread(), before);
        assert_eq!(vec_out(Vec::new()), ptr::null_mut());
    }

    #[test]
    fn objects_are_dropped_once_when_freed() {
        use std::rc::Rc;
        let before = live_on_this_thread();
        let shared = Rc::new(());
        let object = new_object((Rc::clone(&shared), [7u64; 4])).unwrap();
        assert_eq!(unsafe { ref_arg(object) }.unwrap().1, [7; 4]);
        assert_eq!(Rc::strong_count(&shared), 2);
        unsafe { free_object(object) };
        assert_eq!(Rc::strong_count(&shared), 1, "the value was dropped");
        unsafe { free_object(ptr::null_mut::<u8>()) };
        let unit = new_object(()).unwrap();
        unsafe { free_object(unit) };
        drop(shared);
        assert_eq!(live_on_this_thread(), before);
    }
}
