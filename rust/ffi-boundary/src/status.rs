//! Why the last call on this thread returned what it did: the `last_status` export, and the
//! message a binding may record with a status (`last_error_message`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::os::raw::c_char;

use crate::panic::FixedWriter;

/// A call's outcome, as `last_status()` reports it. A plain `i32` underneath, so a binding adds
/// its own codes beside these.
///
/// The codes named here are the boundary's; they are part of every binding's ABI and never
/// change. Codes 8 to 63 are kept for the boundary's future codes. A binding's own codes start at
/// [`Status::FIRST_BINDING_CODE`]; 3 and 4 are a binding's too (the Person binding, older than
/// this crate, uses them).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Status(pub i32);

impl Status {
    /// The call succeeded.
    pub const OK: Status = Status(0);
    /// A pointer argument was null.
    pub const NULL_ARGUMENT: Status = Status(1);
    /// A string argument was not UTF-8.
    pub const INVALID_UTF8: Status = Status(2);
    /// Rust panicked inside the call (native builds; on wasm32 a panic traps instead).
    pub const PANIC: Status = Status(5);
    /// The allocator could not provide the memory.
    pub const OUT_OF_MEMORY: Status = Status(6);
    /// An argument was out of its range, or inconsistent with another.
    pub const INVALID_ARGUMENT: Status = Status(7);
    /// The first code that belongs to a binding.
    pub const FIRST_BINDING_CODE: i32 = 64;

    /// The code, as `last_status()` returns it.
    pub const fn code(self) -> i32 {
        self.0
    }
}

thread_local! {
    static LAST_STATUS: Cell<i32> = const { Cell::new(0) };
}

/// Records the status the `last_status` export reports, on this thread. One store: cheap enough
/// for every successful call.
#[inline]
pub fn set_status(status: impl Into<Status>) {
    let code = status.into().0;
    LAST_STATUS.with(|s| s.set(code));
}

/// The status last recorded on this thread.
#[inline]
pub fn last_status() -> Status {
    Status(LAST_STATUS.with(|s| s.get()))
}

const MESSAGE_CAPACITY: usize = 512;

/// The last message recorded by [`fail_with`] on this thread, and the status it goes with.
struct Message {
    status: i32,
    text: [u8; MESSAGE_CAPACITY],
}

thread_local! {
    static MESSAGE: RefCell<Message> = const { RefCell::new(Message { status: 0, text: [0; MESSAGE_CAPACITY] }) };
}

/// Records `status` with a message saying why, and returns the status, for `Err(...)`:
///
/// ```ignore
/// return Err(fail_with(NOT_FOUND, format_args!("no key of {} bytes", key.len())));
/// ```
///
/// The message is written into a fixed buffer of this thread (truncated at a character boundary
/// to 511 bytes), without allocating. The host reads it with `last_error_message()` while
/// `last_status()` is still `status`. [`set_status`] leaves the message alone, to stay one store:
/// so a binding that gives a status a message gives it one every time it records that status.
pub fn fail_with(status: impl Into<Status>, message: fmt::Arguments<'_>) -> Status {
    record(status.into(), message)
}

/// [`fail_with`]'s body, compiled in this crate: what a binding's build compiles itself (generic
/// and `#[inline]` code) must not panic, or its panic location names this file by its absolute
/// path, and the binding's build would differ between two checkouts.
#[inline(never)]
fn record(status: Status, message: fmt::Arguments<'_>) -> Status {
    MESSAGE.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            m.status = status.0;
            let mut w = FixedWriter::new(&mut m.text);
            let _ = fmt::write(&mut w, message);
        }
    });
    set_status(status);
    status
}

/// The body of the `last_error_message` export: the message [`fail_with`] recorded with the
/// current non-OK status of this thread, or an empty string. NUL-terminated UTF-8, valid until the
/// next call on this thread.
pub fn last_error_message() -> *const c_char {
    let current = LAST_STATUS.with(|s| s.get());
    MESSAGE.with(|m| {
        let m = m.as_ptr();
        // SAFETY: no borrow of the cell is live during an export's call but this one; the pointer
        // stays valid as long as the thread does.
        unsafe {
            if current != 0 && (*m).status == current {
                (*m).text.as_ptr().cast()
            } else {
                b"\0".as_ptr().cast()
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn message() -> String {
        unsafe { CStr::from_ptr(last_error_message()) }.to_str().unwrap().to_owned()
    }

    #[test]
    fn a_message_goes_with_its_status_only() {
        let s = fail_with(Status(70), format_args!("no key {:?}", "k"));
        assert_eq!((s, last_status()), (Status(70), Status(70)));
        assert_eq!(message(), "no key \"k\"");
        set_status(Status::OK);
        assert_eq!(message(), "", "a success has no message");
        set_status(Status::NULL_ARGUMENT);
        assert_eq!(message(), "", "another status has no message");
        fail_with(Status::INVALID_ARGUMENT, format_args!("{}", "長".repeat(400)));
        let m = message();
        assert_eq!(m, "長".repeat(170), "truncated at a character boundary, within 511 bytes");
    }

    #[test]
    fn statuses_are_per_thread() {
        set_status(Status(99));
        std::thread::spawn(|| assert_eq!(last_status(), Status::OK)).join().unwrap();
        assert_eq!(last_status(), Status(99));
    }
}
