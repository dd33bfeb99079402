//! Fault injection for the hosts' tests (feature `fault-injection`, never in the shipped module).
//!
//! Nothing in the real API can panic on any input, so the tests need a door: a name that starts
//! with "💥" picks a fault, and the fault is real, not simulated. A host that loads a module from
//! outside its jar must survive whatever that module does; these are the ways a module can
//! misbehave, each one done for real by compiled Rust code.

use std::ptr;

use crate::ffi::{abi_layout, Person};

/// Faults by name, raised while `create_person` checks the name:
/// - "💥panic": a Rust panic. Native builds catch it at the boundary (`Status::Panic`); wasm32
///   traps after the panic hook has recorded the message and location.
/// - "💥abort": `std::process::abort()`, which no host can catch natively; on wasm32 it is a trap.
/// - "💥loop": never returns. Only a host that stops the call gets control back.
/// - "💥recurse": recurses without bound, using stack memory in every frame, until the stack runs
///   out (on wasm32 a trap, natively a crash: never call it in a native test).
/// - "💥grow": allocates and keeps memory until the allocator fails, whose default handler aborts
///   (on wasm32 a trap once the host's memory cap is reached).
pub fn inject(name: &[u8]) {
    match name {
        b"\xF0\x9F\x92\xA5panic" => panic!("injected panic (fault-injection build)"),
        b"\xF0\x9F\x92\xA5abort" => std::process::abort(),
        b"\xF0\x9F\x92\xA5loop" => spin(),
        b"\xF0\x9F\x92\xA5recurse" => {
            recurse(0);
        }
        b"\xF0\x9F\x92\xA5grow" => grow(),
        _ => {}
    }
}

/// Distance from any real address: `create_person` answers this for "💥oob". Near the top of the
/// 4 GiB a wasm32 pointer can name, above the 2 GiB any host lets a module's memory grow to.
pub const OUT_OF_BOUNDS: usize = 0xFFFF_FF00;

/// The name length `create_person` stores for "💥len": 2 GiB, more than any name a host passed in.
pub const HUGE_LENGTH: usize = 1 << 31;

/// The name bytes of the person `create_person` returns for "💥utf8": a lone continuation byte
/// and a truncated sequence, neither of them UTF-8.
pub const NOT_UTF8: &[u8] = b"\x80bad\xE4\xB8";

/// Results no correct build returns, for names starting with "💥", chosen after the name is read
/// and before it is checked. `new_person` makes a real person block, as `create_person` does.
/// - "💥oob": a `Person*` far outside the module's memory ([`OUT_OF_BOUNDS`]).
/// - "💥len": a real person whose stored name length is [`HUGE_LENGTH`]; its name is "len".
/// - "💥utf8": a real person whose name is [`NOT_UTF8`].
///
/// The bad persons cannot be freed by `free_person` as they are; a host that notices them
/// discards the instance.
///
/// The hook in `create_person` that calls this takes as many lines as the code it reformatted:
/// the shipped module records the line of every panic location, so a line added above one would
/// change its bytes.
pub fn bad_result(name: &[u8], age: i32, new_person: fn(&[u8], i32) -> *mut Person) -> Option<*mut Person> {
    match name {
        b"\xF0\x9F\x92\xA5oob" => Some(OUT_OF_BOUNDS as *mut Person),
        b"\xF0\x9F\x92\xA5len" => {
            let person = new_person(b"len", age);
            if !person.is_null() {
                // SAFETY: a person block holds its name length at abi_layout(10) from the Person*.
                unsafe { person.cast::<u8>().add(abi_layout(10) as usize).cast::<usize>().write(HUGE_LENGTH) };
            }
            Some(person)
        }
        b"\xF0\x9F\x92\xA5utf8" => Some(new_person(NOT_UTF8, age)),
        _ => None,
    }
}

/// Never true: read through volatile loads, so the optimiser can neither end a loop on it nor
/// drop the code that tests it.
static NEVER: u32 = 0;

fn never() -> bool {
    // SAFETY: a valid, aligned static.
    unsafe { ptr::read_volatile(&NEVER) != 0 }
}

/// A loop the optimiser must keep: every turn reads memory it cannot predict.
fn spin() {
    while !never() {}
}

/// Each frame keeps 256 bytes on the stack and reads them after the call below it returns, so the
/// call can be neither inlined into a loop nor turned into a tail call.
#[inline(never)]
fn recurse(depth: u32) -> u32 {
    let mut frame = [0u32; 64];
    // SAFETY: writes and reads of a local array.
    unsafe { ptr::write_volatile(&mut frame[depth as usize % 64], depth) };
    if never() {
        return depth;
    }
    let below = recurse(depth.wrapping_add(1));
    below.wrapping_add(unsafe { ptr::read_volatile(&frame[depth as usize % 64]) })
}

/// Allocates 64 KiB blocks and never frees them; a volatile write to each keeps the optimiser
/// from removing allocations nobody reads. The allocator's failure ends it.
fn grow() {
    while !never() {
        let block = vec![0u8; 64 * 1024].leak();
        // SAFETY: the block is 64 KiB long.
        unsafe { ptr::write_volatile(block.as_mut_ptr(), 1) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::{create_person, free_person, last_status, panic_message};
    use crate::Status;
    use ffi_boundary::alloc::live_on_this_thread;
    use std::ffi::{CStr, CString};
    use std::sync::Mutex;

    /// The tests that panic take this: the panic message buffer is process-wide.
    static PANICS: Mutex<()> = Mutex::new(());

    fn create(name: &str, age: i32) -> *mut Person {
        let name = CString::new(name).unwrap();
        unsafe { create_person(name.as_ptr(), age) }
    }

    /// The name length stored in a person's block.
    unsafe fn stored_length(person: *mut Person) -> *mut usize {
        person.cast::<u8>().add(abi_layout(10) as usize).cast()
    }

    #[test]
    #[should_panic(expected = "injected panic")]
    fn the_panic_door_panics() {
        let _serial = PANICS.lock().unwrap_or_else(|e| e.into_inner());
        super::inject("💥panic".as_bytes());
    }

    /// Natively the boundary catches the panic: null, `Panic`, and the message with its location.
    #[test]
    fn a_panic_in_create_person_is_a_status_natively() {
        let _serial = PANICS.lock().unwrap_or_else(|e| e.into_inner());
        // The first panic on a thread makes std's record of the thread, kept until it ends.
        assert!(create("💥panic", 30).is_null());
        let before = live_on_this_thread();
        assert!(create("💥panic", 30).is_null());
        assert_eq!(last_status(), Status::Panic as i32);
        let message = unsafe { CStr::from_ptr(panic_message()) }.to_str().unwrap();
        assert!(message.contains("injected panic (fault-injection build)"), "{message}");
        assert!(message.contains("src/faults.rs"), "{message}");
        assert_eq!(live_on_this_thread(), before, "the panic leaked nothing");
    }

    #[test]
    fn other_names_pass() {
        super::inject("💥".as_bytes());
        super::inject("panic".as_bytes());
        super::inject("💥panic!".as_bytes());
        super::inject("💥loop ".as_bytes());
        super::inject("loop".as_bytes());
        super::inject("💥recurse2".as_bytes());
        super::inject("💥Grow".as_bytes());
    }

    #[test]
    fn the_loop_guard_is_never_true() {
        assert!(!never());
    }

    #[test]
    fn oob_answers_a_pointer_past_any_memory() {
        let p = create("💥oob", 30);
        assert_eq!(p as usize, OUT_OF_BOUNDS);
        assert!(OUT_OF_BOUNDS > 1 << 31, "above the largest memory a host allows");
    }

    #[test]
    fn len_answers_a_real_person_with_a_huge_length() {
        let before = live_on_this_thread();
        let p = create("💥len", 30);
        assert!(!p.is_null());
        unsafe {
            assert_eq!(CStr::from_ptr((*p).name).to_bytes(), b"len", "the name itself is real");
            assert_eq!((*p).age, 30);
            assert_eq!(*stored_length(p), HUGE_LENGTH);
            // Put the real length back, so the block is freed with the layout it was made with.
            *stored_length(p) = 3;
            free_person(p);
        }
        assert_eq!(live_on_this_thread(), before);
    }

    #[test]
    fn utf8_answers_a_person_whose_name_is_not_utf8() {
        assert!(std::str::from_utf8(NOT_UTF8).is_err());
        let before = live_on_this_thread();
        let p = create("💥utf8", 41);
        assert!(!p.is_null());
        unsafe {
            assert_eq!(CStr::from_ptr((*p).name).to_bytes(), NOT_UTF8);
            assert_eq!(*stored_length(p), NOT_UTF8.len());
            assert_eq!((*p).age, 41);
            free_person(p);
        }
        assert_eq!(live_on_this_thread(), before);
    }

    #[test]
    fn other_names_make_real_persons() {
        for name in ["💥", "oob", "💥oob!", "💥Len", "💥utf-8"] {
            let p = create(name, 20);
            assert!(!p.is_null(), "{name}");
            unsafe {
                assert_eq!(CStr::from_ptr((*p).name).to_str().unwrap(), name);
                assert_eq!(*stored_length(p), name.len());
                free_person(p);
            }
        }
    }
}
