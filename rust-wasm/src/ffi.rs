//! The C ABI: every `extern "C"` function of the crate, and nothing else.
//!
//! The four functions of the seed keep their exact signatures. What the seed lacked is added
//! beside them:
//! - `free_error`, so no host needs to free Rust memory with C `free` (the seed's Go code did,
//!   and natively that still works: see [`get_error_message`]);
//! - `alloc` / `dealloc`, so a host can pass strings into wasm linear memory;
//! - `last_status`, the reason a call returned null;
//! - `live_allocations`, so leaks are observable;
//! - `abi_layout`, so a host can check its struct offsets against this build's;
//! - `panic_message`, where the panic hook leaves its message before a wasm trap.
//!
//! Every export runs inside [`boundary`]: on native targets a panic is caught and becomes
//! [`Status::Panic`] instead of unwinding into the JVM (undefined behaviour); on wasm32 a panic
//! aborts, which is a trap the host turns into an exception.
//!
//! Ownership, in one line each: a `Person*` is freed by `free_person`, an `Error*` by
//! `free_error`, an `alloc` block by `dealloc` with the same length. Nothing else is handed out.

use std::cell::Cell;
use std::alloc::Layout;
use std::fmt::Write as _;
use std::os::raw::c_char;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

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

/// Finds the NUL of a C string and tells whether the bytes before it are all ASCII, in one pass.
///
/// It reads whole aligned 8-byte words, so it may read up to 7 bytes past the NUL, but never past
/// the aligned word that holds it: that word cannot cross a Wasm page or a native memory page, so
/// the read cannot trap or fault. C libraries' `strlen` implementations read the same way. The
/// reads are volatile so that the optimiser treats them as plain loads and draws no conclusions
/// from the bytes past the end. On wasm this matters: each load is
/// a bounds-checked call in the runtime, so eight bytes per load instead of one is most of the
/// cost of a long name.
///
/// # Safety
/// `s` must point to a NUL-terminated byte string.
unsafe fn scan_c_str<'a>(s: *const c_char) -> (&'a [u8], bool) {
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

thread_local! {
    static LAST_STATUS: Cell<i32> = const { Cell::new(0) };
}

fn set_status(status: Status) {
    LAST_STATUS.with(|s| s.set(status as i32));
}

const PANIC_MESSAGE_CAPACITY: usize = 1024;

/// The last panic's message and location, NUL-terminated. Written without allocating, because a
/// panic may come from the allocator running out of memory.
static PANIC_MESSAGE: Mutex<[u8; PANIC_MESSAGE_CAPACITY]> = Mutex::new([0; PANIC_MESSAGE_CAPACITY]);
static HOOK: Once = Once::new();
/// Set once the hook is in place: what every export checks, see [`install_panic_hook`].
static HOOK_INSTALLED: AtomicBool = AtomicBool::new(false);

/// Formats into a fixed buffer, truncating at a character boundary and keeping a final NUL.
struct FixedWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl std::fmt::Write for FixedWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let room = self.buf.len() - 1 - self.len;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        self.buf[self.len] = 0;
        if take < s.len() {
            Err(std::fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// The panic hook: a plain function, so boxing it allocates nothing and it never shows up in
/// `live_allocations()` as a block nobody can free.
fn record_panic(info: &panic::PanicInfo<'_>) {
    // try_lock: a panic while the buffer is held must not deadlock the hook.
    if let Ok(mut buf) = PANIC_MESSAGE.try_lock() {
        let mut w = FixedWriter { buf: &mut buf[..], len: 0 };
        let _ = write!(w, "{}", info);
    }
    // Native hosts still see the panic on stderr (on wasm32 stderr goes nowhere).
    eprintln!("person: {}", info);
}

///
/// Every export calls this first, so its fast path is one load: `Once::call_once` takes its
/// closure by reference, which put the closure on the shadow stack and gave every export a stack
/// frame, two extra accesses to the stack-pointer global per call in a Wasm runtime.
#[inline]
fn install_panic_hook() {
    if !HOOK_INSTALLED.load(Ordering::Acquire) {
        install_panic_hook_once();
    }
}

#[cold]
#[inline(never)]
fn install_panic_hook_once() {
    HOOK.call_once(|| panic::set_hook(Box::new(record_panic)));
    HOOK_INSTALLED.store(true, Ordering::Release);
}

/// Runs one export's body: installs the panic hook once, and turns a panic into `on_panic` with
/// [`Status::Panic`]. The body sets the status itself on success or failure.
fn boundary<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    install_panic_hook();
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(_) => {
            set_status(Status::Panic);
            on_panic
        }
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
/// C's malloc (see `alloc.rs`). The write-up's Go program frees `message` and then the `Error`
/// with C `free()`; with one block, its first `free` would free the whole block and the second
/// would free it again.
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

/// Allocates `len` bytes (alignment 1) for the host to write into, e.g. a name to pass to
/// `create_person`. Returns null when `len` is 0 or the memory is not available (then
/// [`last_status`] is `OutOfMemory`).
///
/// The caller owns the block and frees it with [`dealloc`] and the same `len`.
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    boundary(ptr::null_mut(), || {
        let layout = match std::alloc::Layout::from_size_align(len, 1) {
            Ok(layout) if len > 0 => layout,
            _ => {
                set_status(Status::OutOfMemory);
                return ptr::null_mut();
            }
        };
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { std::alloc::alloc(layout) };
        set_status(if p.is_null() { Status::OutOfMemory } else { Status::Ok });
        p
    })
}

/// Frees a block from [`alloc`]. Null is ignored.
///
/// # Safety
/// `ptr` must be null or a block from `alloc(len)` with this same `len`, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    boundary((), || {
        if !ptr.is_null() && len > 0 {
            std::alloc::dealloc(ptr, std::alloc::Layout::from_size_align_unchecked(len, 1));
        }
    })
}

/// Why the last call on this thread returned null (a [`Status`] value; 0 after a success).
#[no_mangle]
pub extern "C" fn last_status() -> i32 {
    LAST_STATUS.with(|s| s.get())
}

/// Heap blocks Rust currently holds, for leak checks. Always 64-bit so the signature is the same
/// on every target.
#[no_mangle]
pub extern "C" fn live_allocations() -> u64 {
    crate::alloc::live() as u64
}

/// Version of this ABI; `abi_layout(ABI_VERSION)` answers it.
/// Version 2 added query 10: a person's name length, stored after the `Person` in its block.
pub const ABI_VERSION: i32 = 2;

/// Describes this build's struct layouts, one number per query, so a host can check its own
/// constants (the layouts differ between wasm32 and x86_64). Unknown queries answer -1.
///
/// | query | answer |
/// |---|---|
/// | 0 | ABI version |
/// | 1 | pointer size |
/// | 2, 3, 4, 5 | `Person` size, align, offset of `name`, offset of `age` |
/// | 6, 7, 8, 9 | `Error` size, align, offset of `error_code`, offset of `message` |
/// | 10 | offset, from a `Person*`, of its name's length in bytes (a `size_t`, without the NUL) |
#[no_mangle]
pub extern "C" fn abi_layout(query: i32) -> i32 {
    let p = std::mem::MaybeUninit::<Person>::uninit();
    let e = std::mem::MaybeUninit::<Error>::uninit();
    let (pb, eb) = (p.as_ptr(), e.as_ptr());
    // SAFETY: addr_of! computes field addresses without reading the uninitialised values.
    let offset = |field: *const u8, base: *const u8| (field as usize - base as usize) as i32;
    unsafe {
        match query {
            0 => ABI_VERSION,
            1 => std::mem::size_of::<*mut c_char>() as i32,
            2 => std::mem::size_of::<Person>() as i32,
            3 => std::mem::align_of::<Person>() as i32,
            4 => offset(ptr::addr_of!((*pb).name).cast(), pb.cast()),
            5 => offset(ptr::addr_of!((*pb).age).cast(), pb.cast()),
            6 => std::mem::size_of::<Error>() as i32,
            7 => std::mem::align_of::<Error>() as i32,
            8 => offset(ptr::addr_of!((*eb).error_code).cast(), eb.cast()),
            9 => offset(ptr::addr_of!((*eb).message).cast(), eb.cast()),
            10 => {
                let b = std::mem::MaybeUninit::<Block>::uninit();
                let bb = b.as_ptr();
                offset(ptr::addr_of!((*bb).name_len).cast(), bb.cast())
            }
            _ => -1,
        }
    }
}

/// Address of the buffer where the panic hook writes the last panic's message and location, as
/// a NUL-terminated UTF-8 string (empty if nothing panicked). The address never changes, so a
/// wasm host can read it once at load and read the message after a trap without calling into
/// the trapped instance again.
#[no_mangle]
pub extern "C" fn panic_message() -> *const c_char {
    install_panic_hook();
    // The Mutex guards writers; the buffer itself lives in the static for the program's life.
    match PANIC_MESSAGE.lock() {
        Ok(buf) => buf.as_ptr().cast(),
        Err(poisoned) => poisoned.into_inner().as_ptr().cast(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn scan_finds_the_nul_at_every_alignment_and_length() {
        // A buffer of non-zero bytes, with the string placed at each offset of an aligned word and
        // ending at each position of the next words.
        let mut buf = vec![b'x'; 64];
        for start in 0..8 {
            for len in 0..40 {
                for (i, b) in buf.iter_mut().enumerate() {
                    *b = if i == start + len { 0 } else { b'a' + (i % 26) as u8 };
                }
                let (bytes, ascii) = unsafe { scan_c_str(buf[start..].as_ptr().cast()) };
                assert_eq!(bytes.len(), len, "start {start}, len {len}");
                assert!(ascii);
                // One non-ASCII byte anywhere in the string is noticed, in the head, words or tail.
                for at in 0..len {
                    buf[start + at] = 0xE4;
                    let (bytes, ascii) = unsafe { scan_c_str(buf[start..].as_ptr().cast()) };
                    assert_eq!((bytes.len(), ascii), (len, false), "start {start}, len {len}, at {at}");
                    buf[start + at] = b'a';
                }
            }
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
        // The tests run on one thread (make rust-test), so the process-wide counter is ours.
        unsafe {
            let long = name(&"長".repeat(1000));
            let before = crate::alloc::live();
            let p = create_person(long.as_ptr(), 40);
            assert_eq!(crate::alloc::live(), before + 1, "a Person and its name share one block");
            assert_eq!(CStr::from_ptr((*p).name).to_bytes(), long.as_bytes());
            let d = get_person_details(p);
            assert_eq!(read(d), ("長".repeat(1000), 41));
            assert_eq!(Block::name(d).len(), 3000);
            free_person(d);
            free_person(p);
            assert_eq!(crate::alloc::live(), before);
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

    #[test]
    fn alloc_refuses_zero_and_huge() {
        assert!(alloc(0).is_null());
        assert_eq!(last_status(), Status::OutOfMemory as i32);
        let huge = alloc(usize::MAX);
        assert!(huge.is_null(), "{:?}", huge);
        let p = alloc(16);
        assert!(!p.is_null());
        unsafe { dealloc(p, 16) };
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let out: *mut Person = boundary(ptr::null_mut(), || panic!("boom {}", 42));
        assert!(out.is_null());
        assert_eq!(last_status(), Status::Panic as i32);
        let msg = unsafe { CStr::from_ptr(panic_message()) }.to_str().unwrap();
        assert!(msg.contains("boom 42"), "{msg}");
        assert!(msg.contains("ffi.rs"), "{msg}");
    }

    #[test]
    fn panic_message_truncates_on_a_char_boundary() {
        let mut buf = [0u8; 8];
        let mut w = FixedWriter { buf: &mut buf, len: 0 };
        assert!(write!(w, "ab张三").is_err());
        let len = w.len;
        assert_eq!(&buf[..len], "ab张".as_bytes());
        assert_eq!(buf[len], 0);
    }
}
