//! The panic hook, and the fixed buffer it writes the last panic's message into.
//!
//! On wasm32 a panic aborts, which is a trap: the host cannot call the trapped instance again, but
//! it can still read its memory. So the hook writes the message and location into a buffer whose
//! address the host learned before (the `panic_message` export), and the host reads it after the
//! trap. In the native builds [`crate::boundary`] catches the panic and the host reads the same
//! buffer after the call returned `Status::PANIC`.

use std::fmt::{self, Write as _};
use std::os::raw::c_char;
use std::panic::{self, PanicInfo};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

/// The buffer's size, NUL included. Hosts read no further than this.
pub const MESSAGE_CAPACITY: usize = 1024;

/// The last panic's message and location, NUL-terminated. Written without allocating, because a
/// panic may come from the allocator running out of memory.
static PANIC_MESSAGE: Mutex<[u8; MESSAGE_CAPACITY]> = Mutex::new([0; MESSAGE_CAPACITY]);
static HOOK: Once = Once::new();
/// Set once the hook is in place: what every export checks, see [`install_hook`].
static HOOK_INSTALLED: AtomicBool = AtomicBool::new(false);

/// Formats into a fixed buffer, truncating at a character boundary and keeping a final NUL.
pub(crate) struct FixedWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> FixedWriter<'a> {
    /// A writer at the start of `buf`, which must not be empty; `buf` holds an empty string.
    pub(crate) fn new(buf: &'a mut [u8]) -> FixedWriter<'a> {
        buf[0] = 0;
        FixedWriter { buf, len: 0 }
    }
}

impl fmt::Write for FixedWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - 1 - self.len;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        self.buf[self.len] = 0;
        if take < s.len() {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// The panic hook: a plain function, so boxing it allocates nothing and it never shows up in
/// `live_allocations()` as a block nobody can free.
fn record_panic(info: &PanicInfo<'_>) {
    // try_lock: a panic while the buffer is held must not deadlock the hook.
    if let Ok(mut buf) = PANIC_MESSAGE.try_lock() {
        let mut w = FixedWriter::new(&mut buf[..]);
        let _ = write!(w, "{}", info);
    }
    // Native hosts still see the panic on stderr (on wasm32 stderr goes nowhere).
    eprintln!("Rust panic: {}", info);
}

/// Installs the panic hook, once.
///
/// Every export calls this first, so its fast path is one load: `Once::call_once` takes its
/// closure by reference, which put the closure on the shadow stack and gave every export a stack
/// frame, two extra accesses to the stack-pointer global per call in a Wasm runtime.
#[inline]
pub fn install_hook() {
    if !HOOK_INSTALLED.load(Ordering::Acquire) {
        install_hook_once();
    }
}

#[cold]
#[inline(never)]
fn install_hook_once() {
    HOOK.call_once(|| panic::set_hook(Box::new(record_panic)));
    HOOK_INSTALLED.store(true, Ordering::Release);
}

/// The body of the `panic_message` export: the address of the buffer where the panic hook writes
/// the last panic's message and location, as a NUL-terminated UTF-8 string (empty if nothing
/// panicked). The address never changes, so a wasm host can read it once at load and read the
/// message after a trap without calling into the trapped instance again.
pub fn message() -> *const c_char {
    install_hook();
    // The Mutex guards writers; the buffer itself lives in the static for the program's life.
    match PANIC_MESSAGE.lock() {
        Ok(buf) => buf.as_ptr().cast(),
        Err(poisoned) => poisoned.into_inner().as_ptr().cast(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Tests that panic, or read the panic message, take this: the buffer is process-wide.
    pub(crate) static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn truncates_on_a_char_boundary() {
        let mut buf = [0xFFu8; 8];
        let mut w = FixedWriter::new(&mut buf);
        assert!(write!(w, "ab张三").is_err());
        let len = w.len;
        assert_eq!(&buf[..len], "ab张".as_bytes());
        assert_eq!(buf[len], 0);
    }

    #[test]
    fn a_new_writer_holds_the_empty_string() {
        let mut buf = [0xFFu8; 4];
        FixedWriter::new(&mut buf);
        assert_eq!(buf[0], 0);
    }

    #[test]
    fn the_address_never_changes() {
        assert_eq!(message(), message());
    }
}
