//! The C ABI: every `extern "C"` function of the crate, and nothing else.
//!
//! The four functions of the seed keep their exact signatures. What the seed lacked is added
//! beside them:
//! - `free_error`, so no host needs to free Rust memory with C `free` (the seed's Go code did,
//!   and natively that still works: see [`get_error_message`]);
//! - the boundary's own exports, from `ffi-boundary` ([`ffi_boundary::exports!`]): `alloc` /
//!   `dealloc`, so a host can pass strings into wasm linear memory; `last_status`, the reason a
//!   call returned null; `live_allocations`, so leaks are observable; `abi_layout`, so a host can
//!   check its struct offsets against this build's ([`layout`] is this crate's table);
//!   `panic_message`, where the panic hook leaves its message before a wasm trap; and
//!   `last_error_message`, which this crate never fills.
//!
//! Every export runs inside [`boundary`]: on native targets a panic is caught and becomes
//! [`Status::Panic`] instead of unwinding into the JVM (undefined behaviour); on wasm32 a panic
//! aborts, which is a trap the host turns into an exception.
//!
//! Ownership, in one line each: a `Person*` is freed by `free_person`, an `Error*` by
//! `free_error`, an `alloc` block by `dealloc` with the same length. Nothing else is handed out.

use std::alloc::Layout;
use std::os::raw::c_char;
use std::ptr;

use ffi_boundary::layout::{align_of, size_of};
use ffi_boundary::mem::scan_c_str;
use ffi_boundary::{boundary, offset_of, set_status};

use crate::{Status, ERROR_CODE, ERROR_MESSAGE};

/// The seed's struct, unchanged. On wasm32: name@0, age@4, size 8. On x86_64: name@0, age@8, size 16.
#[repr(C)]
pub struct Person {
    pub name: *mut c_char,
    pub age: i32,
}

/// The seed's error struct, unchanged. On wasm32: code@0, message@4, size 8.
/// On x86_64: code@0, 4 bytes of padding, message@8, size 16.
#[repr(C)]
pub struct Error {
    pub error_code: i32,
    pub message: *mut c_char,
}

/// What a `Person*` really points to: one heap block holding the seed's `Person`, the name's
/// length, and then the name's bytes and NUL. The seed's layout is unchanged and `Person.name` is
/// an ordinary C string, so a host that knows only the seed's struct still works. One block
/// instead of a `Box` and a `CString` halves the allocator's work per person, and the stored
/// length lets `get_person_details`, `free_person` and a host that reads it (its offset is
/// `abi_layout(10)`) skip scanning the name for its NUL: on wasm every byte scanned is a
/// bounds-checked load in the runtime, and for long names the scans dominated.
#[repr(C)]
struct Block {
    person: Person,
    name_len: usize,
}

impl Block {
    /// The layout of a block for a name of `name_len` bytes; `None` if that overflows `isize`.
    fn layout(name_len: usize) -> Option<Layout> {
        let text = Layout::array::<u8>(name_len.checked_add(1)?).ok()?;
        let (layout, offset) = Layout::new::<Block>().extend(text).ok()?;
        debug_assert_eq!(offset, std::mem::size_of::<Block>());
        Some(layout)
    }

    /// A new person owning a copy of `name` (without its NUL), or null with `OutOfMemory` set.
    fn new_person(name: &[u8], age: i32) -> *mut Person {
        let layout = match Block::layout(name.len()) {
            Some(layout) => layout,
            None => return fail(Status::OutOfMemory),
        };
        // SAFETY: the layout's size is at least size_of::<Block>() > 0.
        let block = unsafe { std::alloc::alloc(layout) }.cast::<Block>();
        if block.is_null() {
            // Refused, not aborted: the host gets a status and the instance stays usable.
            return fail(Status::OutOfMemory);
        }
        // SAFETY: the block has room for the header and name.len() + 1 bytes after it.
        unsafe {
            let text = block.add(1).cast::<u8>();
            copy_name(name.as_ptr(), text, name.len());
            text.add(name.len()).write(0);
            block.write(Block { person: Person { name: text.cast(), age }, name_len: name.len() });
        }
        set_status(Status::Ok);
        // `person` is the first field of a #[repr(C)] struct, so the pointers are the same.
        block.cast()
    }

    /// The name's bytes without the NUL, from the stored length.
    ///
    /// # Safety
    /// `person` must be a live pointer from [`Block::new_person`].
    unsafe fn name<'a>(person: *const Person) -> &'a [u8] {
        let block = &*person.cast::<Block>();
        std::slice::from_raw_parts(block.person.name as *const u8, block.name_len)
    }

    /// Frees a person made by [`Block::new_person`].
    ///
    /// # Safety
    /// `person` must be a live pointer from `new_person`; it is dangling afterwards.
    unsafe fn free(person: *mut Person) {
        let block = person.cast::<Block>();
        // SAFETY: `new_person` allocated the block with `Block::layout(name_len)`, which checked
        // this same size for overflow; the header is never written again. Recomputing it without
        // the checks keeps the overflow tests, unsigned comparisons, off the free path.
        let size = std::mem::size_of::<Block>() + (*block).name_len + 1;
        let layout = Layout::from_size_align_unchecked(size, std::mem::align_of::<Block>());
        debug_assert_eq!(Some(layout), Block::layout((*block).name_len));
        std::alloc::dealloc(block.cast(), layout);
    }
}

/// Copies a name's bytes. Most names are short, and a Wasm runtime may make `memory.copy`, which
/// `copy_nonoverlapping` becomes, a call through a slow path (Chicory on JDK 17 and older goes
/// through a deliberately megamorphic call site, a workaround for a JIT bug). So up to 16 bytes
/// move as two overlapping loads and stores of one word size; longer names use `memory.copy`,
/// where the copy itself dominates.
///
/// # Safety
/// `src` must be readable and `dst` writable for `len` bytes, and the two must not overlap.
#[inline(always)]
unsafe fn copy_name(src: *const u8, dst: *mut u8, len: usize) {
    if len >= 8 && len <= 16 {
        let head = ptr::read_unaligned(src.cast::<u64>());
        let tail = ptr::read_unaligned(src.add(len - 8).cast::<u64>());
        ptr::write_unaligned(dst.cast::<u64>(), head);
        ptr::write_unaligned(dst.add(len - 8).cast::<u64>(), tail);
    } else if len >= 4 && len < 8 {
        let head = ptr::read_unaligned(src.cast::<u32>());
        let tail = ptr::read_unaligned(src.add(len - 4).cast::<u32>());
        ptr::write_unaligned(dst.cast::<u32>(), head);
        ptr::write_unaligned(dst.add(len - 4).cast::<u32>(), tail);
    } else if len > 0 && len < 4 {
        // First, middle and last byte cover 1, 2 and 3 bytes alike.
        *dst = *src;
        *dst.add(len / 2) = *src.add(len / 2);
        *dst.add(len - 1) = *src.add(len - 1);
    } else if len > 16 {
        ptr::copy_nonoverlapping(src, dst, len);
    }
}

/// A null result, with the reason in [`last_status`].
fn fail(status: Status) -> *mut Person {
    set_status(status);
    ptr::null_mut()
}

/// Creates a person from a NUL-terminated UTF-8 name. The name is copied; the caller keeps
/// ownership of `name`.
///
/// Returns a new `Person*` owned by the caller, to be freed with [`free_person`], or null with
/// [`last_status`] set to `NullPointer` or `InvalidUtf8`.
///
/// # Safety
/// `name` must be null or point to a NUL-terminated byte string.
#[no_mangle]
pub unsafe extern "C" fn create_person(name: *const c_char, age: i32) -> *mut Person {
    boundary(ptr::null_mut(), || {
        if name.is_null() { return fail(Status::NullPointer); } // one line: the hook moves no later line
        let (bytes, ascii) = scan_c_str(name);
        #[cfg(feature = "fault-injection")] // test builds only: a misbehaving module's results, see faults.rs
        if let Some(bad) = crate::faults::bad_result(bytes, age, Block::new_person) { return bad; }
        match crate::check_name(bytes, ascii) {
            Ok(()) => Block::new_person(bytes, age),
            Err(status) => fail(status),
        }
    })
}

/// The seed's details: a deep copy of `person`, one year older. `person` is only read.
///
/// Returns a new `Person*` owned by the caller, to be freed with [`free_person`], or null with
/// [`last_status`] set to `NullPointer`, `UnderAge` (age < 18) or `AgeOverflow` (age = i32::MAX).
///
/// # Safety
/// `person` must be null or a live pointer returned by this library.
#[no_mangle]
pub unsafe extern "C" fn get_person_details(person: *mut Person) -> *mut Person {
    boundary(ptr::null_mut(), || {
        if person.is_null() {
            return fail(Status::NullPointer);
        }
        // The age first: a refused person costs no copy of the name.
        match crate::details_age((*person).age) {
            Ok(age) => Block::new_person(Block::name(person), age),
            Err(status) => fail(status),
        }
    })
}

/// Frees a person and its name. Null is ignored.
///
/// # Safety
/// `person` must be null or a pointer returned by `create_person` or `get_person_details` that
/// has not been freed yet.
#[no_mangle]
pub unsafe extern "C" fn free_person(person: *mut Person) {
    boundary((), || {
        if !person.is_null() {
            Block::free(person);
        }
    })
}

/// The message's bytes and NUL, built at compile time.
const ERROR_TEXT_LEN: usize = ERROR_MESSAGE.len() + 1;
const ERROR_TEXT: [u8; ERROR_TEXT_LEN] = {
    let mut text = [0u8; ERROR_TEXT_LEN];
    let bytes = ERROR_MESSAGE.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        text[i] = bytes[i];
        i += 1;
    }
    text
};

/// What an `Error*` really points to on wasm32: the seed's `Error`, then its message and NUL, in
/// one heap block, as a person is. `Error.message` is an ordinary C string into the same block, so
/// a host that knows only the seed's struct still works; one allocation instead of two, and no
/// copy of the message through `CString::new`, which scans it for a NUL first. Only this module
/// can free its memory, so nobody can free the message on its own.
#[cfg(target_arch = "wasm32")]
#[repr(C)]
struct ErrorBlock {
    error: Error,
    text: [u8; ERROR_TEXT_LEN],
}

#[cfg(target_arch = "wasm32")]
impl ErrorBlock {
    /// A new error in one block.
    fn new_error() -> *mut Error {
        let block = Box::into_raw(Box::new(ErrorBlock {
            error: Error { error_code: ERROR_CODE, message: ptr::null_mut() },
            text: ERROR_TEXT,
        }));
        // SAFETY: `block` is a live, exclusively owned allocation.
        unsafe { (*block).error.message = (*block).text.as_mut_ptr().cast() };
        // `error` is the first field of a #[repr(C)] struct, so the pointers are the same.
        block.cast()
    }

    /// # Safety
    /// `error` must be a live pointer from [`ErrorBlock::new_error`].
    unsafe fn free(error: *mut Error) {
        drop(Box::from_raw(error.cast::<ErrorBlock>()));
    }
}

/// The native builds' error: the `Error` and its message are two blocks of their own, both from
/// C's malloc (see `ffi_boundary::alloc`). The write-up's Go program frees `message` and then the
/// `Error` with C `free()`; with one block, its first `free` would free the whole block and the
/// second would free it again.
#[cfg(not(target_arch = "wasm32"))]
struct ErrorBlock;

#[cfg(not(target_arch = "wasm32"))]
impl ErrorBlock {
    /// A new error and its message, two blocks.
    fn new_error() -> *mut Error {
        let message = Box::into_raw(Box::new(ERROR_TEXT));
        Box::into_raw(Box::new(Error { error_code: ERROR_CODE, message: message.cast() }))
    }

    /// # Safety
    /// `error` must be a live pointer from [`ErrorBlock::new_error`].
    unsafe fn free(error: *mut Error) {
        let error = Box::from_raw(error);
        if !error.message.is_null() {
            drop(Box::from_raw(error.message.cast::<[u8; ERROR_TEXT_LEN]>()));
        }
    }
}

/// The seed's error example: code -1 and the message "这是一个错误".
///
/// Returns a new `Error*` owned by the caller, to be freed with [`free_error`], which frees the
/// message too. In the native builds the `Error` and its message are each a block of C's malloc,
/// so a C client that frees `message` and then the `Error` with C `free()`, as the write-up's Go
/// program does, frees them correctly too (`live_allocations` then still counts them). On wasm32
/// they share one block, and only `free_error` can free it.
#[no_mangle]
pub extern "C" fn get_error_message() -> *mut Error {
    boundary(ptr::null_mut(), || {
        let error = ErrorBlock::new_error();
        set_status(Status::Ok);
        error
    })
}

/// Frees an error and its message. Null is ignored.
///
/// # Safety
/// `error` must be null or a pointer returned by `get_error_message` that has not been freed yet,
/// with its `message` as it was returned.
#[no_mangle]
pub unsafe extern "C" fn free_error(error: *mut Error) {
    boundary((), || {
        if !error.is_null() {
            ErrorBlock::free(error);
        }
    })
}

/// Version of this ABI; `abi_layout(0)` answers it.
/// Version 2 added query 10: a person's name length, stored after the `Person` in its block.
pub const ABI_VERSION: i32 = 2;

ffi_boundary::exports! { abi_version: ABI_VERSION, layout: layout }

/// This build's struct layouts, the queries of `abi_layout` from 2 up (the boundary answers 0,
/// the ABI version, and 1, the pointer size), so a host can check its own constants: the layouts
/// differ between wasm32 and x86_64.
///
/// | query | answer |
/// |---|---|
/// | 2, 3, 4, 5 | `Person` size, align, offset of `name`, offset of `age` |
/// | 6, 7, 8, 9 | `Error` size, align, offset of `error_code`, offset of `message` |
/// | 10 | offset, from a `Person*`, of its name's length in bytes (a `size_t`, without the NUL) |
fn layout(query: i32) -> Option<i32> {
    Some(match query {
        2 => size_of::<Person>(),
        3 => align_of::<Person>(),
        4 => offset_of!(Person, name),
        5 => offset_of!(Person, age),
        6 => size_of::<Error>(),
        7 => align_of::<Error>(),
        8 => offset_of!(Error, error_code),
        9 => offset_of!(Error, message),
        10 => offset_of!(Block, name_len),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ffi_boundary::alloc::live_on_this_thread;
    use std::ffi::{CStr, CString};

    fn name(s: &str) -> CString {
        CString::new(s).unwrap()
    }

    unsafe fn read(p: *mut Person) -> (String, i32) {
        (CStr::from_ptr((*p).name).to_str().unwrap().to_owned(), (*p).age)
    }

    #[test]
    fn seed_round_trip_frees_everything() {
        unsafe {
            let alice = name("Alice");
            let p = create_person(alice.as_ptr(), 30);
            let d = get_person_details(p);
            assert_eq!(read(d), ("Alice".to_owned(), 31));
            assert_ne!((*p).name, (*d).name);
            free_person(d);
            free_person(p);
        }
    }

    #[test]
    fn null_results_say_why() {
        unsafe {
            assert!(create_person(ptr::null(), 1).is_null());
            assert_eq!(last_status(), Status::NullPointer as i32);
            let bad = CString::new(vec![0xC3, 0x28]).unwrap();
            assert!(create_person(bad.as_ptr(), 1).is_null());
            assert_eq!(last_status(), Status::InvalidUtf8 as i32);
            let kid = create_person(name("Kid").as_ptr(), 17);
            assert!(get_person_details(kid).is_null());
            assert_eq!(last_status(), Status::UnderAge as i32);
            let old = create_person(name("Old").as_ptr(), i32::MAX);
            assert!(get_person_details(old).is_null());
            assert_eq!(last_status(), Status::AgeOverflow as i32);
            assert!(get_person_details(ptr::null_mut()).is_null());
            assert_eq!(last_status(), Status::NullPointer as i32);
            free_person(kid);
            free_person(old);
            free_person(ptr::null_mut());
        }
    }

    #[test]
    fn error_message_is_the_seeds() {
        unsafe {
            let e = get_error_message();
            assert_eq!((*e).error_code, -1);
            assert_eq!(CStr::from_ptr((*e).message).to_str().unwrap(), "这是一个错误");
            free_error(e);
            free_error(ptr::null_mut());
        }
    }

    /// The write-up's Go program frees the error's message and then the error with C `free()`.
    /// Natively both must be blocks of their own from malloc: glibc aborts on a bad free.
    #[cfg(unix)]
    #[test]
    fn a_c_client_may_free_the_error_and_its_message_with_c_free() {
        extern "C" {
            fn free(ptr: *mut std::os::raw::c_void);
            fn malloc_usable_size(ptr: *mut std::os::raw::c_void) -> usize;
        }
        unsafe {
            let e = get_error_message();
            let message = (*e).message;
            assert!(malloc_usable_size(message.cast()) >= ERROR_TEXT_LEN, "the message is a malloc block");
            assert!(malloc_usable_size(e.cast()) >= std::mem::size_of::<Error>(), "the error is a malloc block");
            assert_eq!(CStr::from_ptr(message).to_str().unwrap(), "这是一个错误");
            free(message.cast());
            free(e.cast());
            // And free_error still frees both.
            let e = get_error_message();
            free_error(e);
        }
    }

    #[test]
    fn copy_name_copies_every_length_exactly() {
        let src: Vec<u8> = (1..=40).collect();
        for len in 0..=40 {
            let mut dst = vec![0xEEu8; 48];
            unsafe { copy_name(src.as_ptr(), dst.as_mut_ptr(), len) };
            assert_eq!(&dst[..len], &src[..len], "len {len}");
            assert!(dst[len..].iter().all(|&b| b == 0xEE), "len {len}: nothing written past the end");
        }
    }

    #[test]
    fn a_person_is_one_block_and_free_returns_it() {
        // This thread's count: the tests run in parallel.
        unsafe {
            let long = name(&"長".repeat(1000));
            let before = live_on_this_thread();
            let p = create_person(long.as_ptr(), 40);
            assert_eq!(live_on_this_thread(), before + 1, "a Person and its name share one block");
            assert_eq!(CStr::from_ptr((*p).name).to_bytes(), long.as_bytes());
            let d = get_person_details(p);
            assert_eq!(read(d), ("長".repeat(1000), 41));
            assert_eq!(Block::name(d).len(), 3000);
            free_person(d);
            free_person(p);
            assert_eq!(live_on_this_thread(), before);
        }
    }

    #[test]
    fn layout_matches_the_compiler() {
        let ptr_size = std::mem::size_of::<usize>() as i32;
        assert_eq!(abi_layout(0), ABI_VERSION);
        assert_eq!(abi_layout(1), ptr_size);
        assert_eq!(abi_layout(4), 0);
        assert_eq!(abi_layout(5), ptr_size);
        assert_eq!(abi_layout(2), 2 * ptr_size);
        assert_eq!(abi_layout(8), 0);
        assert_eq!(abi_layout(9), ptr_size);
        assert_eq!(abi_layout(6), 2 * ptr_size);
        assert_eq!(abi_layout(10), 2 * ptr_size, "the name's length follows the Person");
        assert_eq!(abi_layout(11), -1);
        assert_eq!(abi_layout(-1), -1);
    }
}
