//! The seed's Person API: safe logic here, the C ABI in [`ffi`].
//!
//! Everything that can go wrong is a [`Status`], so the boundary in `ffi.rs` only converts
//! between raw pointers and these safe functions. What every C-ABI crate needs at its edge (the
//! panic boundary, statuses, the counting allocator, the layout query) comes from the
//! `ffi-boundary` crate.

use std::ffi::{CStr, CString};

/// The counting allocator's figures (`alloc::live()`), for Rust programs built on this crate.
pub use ffi_boundary::alloc;
#[cfg(feature = "fault-injection")]
mod faults;
pub mod ffi;

/// Why a call did or did not produce a result. The values are part of the ABI: the Java side
/// mirrors them in `internal/Ffi.java`. `NullPointer`, `InvalidUtf8`, `Panic` and `OutOfMemory`
/// are the boundary's own codes ([`ffi_boundary::Status`]); `UnderAge` and `AgeOverflow` are this
/// binding's.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok = 0,
    /// A pointer argument was null.
    NullPointer = 1,
    /// The name was not valid UTF-8.
    InvalidUtf8 = 2,
    /// `get_person_details` refuses people under [`ADULT_AGE`] (the seed's rule).
    UnderAge = 3,
    /// `age + 1` would overflow `i32`.
    AgeOverflow = 4,
    /// Rust panicked inside the call (native builds; on wasm a panic traps instead).
    Panic = 5,
    /// The allocator could not provide the memory.
    OutOfMemory = 6,
}

impl From<Status> for ffi_boundary::Status {
    #[inline]
    fn from(status: Status) -> ffi_boundary::Status {
        ffi_boundary::Status(status as i32)
    }
}

// The codes this crate shares with the boundary are the boundary's.
const _: () = {
    use ffi_boundary::Status as Boundary;
    assert!(Status::Ok as i32 == Boundary::OK.code());
    assert!(Status::NullPointer as i32 == Boundary::NULL_ARGUMENT.code());
    assert!(Status::InvalidUtf8 as i32 == Boundary::INVALID_UTF8.code());
    assert!(Status::Panic as i32 == Boundary::PANIC.code());
    assert!(Status::OutOfMemory as i32 == Boundary::OUT_OF_MEMORY.code());
};

/// The seed returns details only for adults.
pub const ADULT_AGE: i32 = 18;

/// The seed's `get_error_message()` result.
pub const ERROR_CODE: i32 = -1;
pub const ERROR_MESSAGE: &str = "这是一个错误";

/// A person as a Rust program holds it: the route servers in `bench/routes/` keep these in a map.
/// The C ABI in `ffi.rs` applies the same rules ([`check_name`], [`details_age`]) but keeps a
/// person in one heap block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonData {
    pub name: CString,
    pub age: i32,
}

impl PersonData {
    /// A person named by a C string, which must be UTF-8 (the seed returned null otherwise).
    pub fn new(name: &CStr, age: i32) -> Result<PersonData, Status> {
        check_name(name.to_bytes(), false)?;
        Ok(PersonData { name: name.to_owned(), age })
    }

    /// The seed's `get_person_details`: a deep copy, one year older, adults only.
    pub fn details(&self) -> Result<PersonData, Status> {
        let age = details_age(self.age)?;
        Ok(PersonData { name: self.name.clone(), age })
    }
}

/// Checks a name received as a C string (its bytes without the NUL): it must be UTF-8, as in the
/// seed. `ascii` is what the caller's scan for the NUL already learned: an all-ASCII name is UTF-8
/// without a second pass over it.
pub fn check_name(bytes: &[u8], ascii: bool) -> Result<(), Status> {
    #[cfg(feature = "fault-injection")]
    faults::inject(bytes);
    if ascii || is_utf8(bytes) {
        Ok(())
    } else {
        Err(Status::InvalidUtf8)
    }
}

/// Whether `bytes` is UTF-8. Out of line on purpose: `from_utf8` returns its result through
/// memory, and inlined into `create_person` it gave that export a stack frame on every call, two
/// extra accesses to the stack-pointer global in a Wasm runtime, even for the ASCII names that
/// never get here.
#[inline(never)]
fn is_utf8(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
}

/// The age `get_person_details` gives, or why there is none. Unlike the seed, `i32::MAX` is
/// refused instead of wrapping to `i32::MIN`.
pub fn details_age(age: i32) -> Result<i32, Status> {
    if age < ADULT_AGE {
        return Err(Status::UnderAge);
    }
    age.checked_add(1).ok_or(Status::AgeOverflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_edges() {
        assert_eq!(details_age(17), Err(Status::UnderAge));
        assert_eq!(details_age(-1), Err(Status::UnderAge));
        assert_eq!(details_age(i32::MIN), Err(Status::UnderAge));
        assert_eq!(details_age(18), Ok(19));
        assert_eq!(details_age(30), Ok(31));
        assert_eq!(details_age(i32::MAX - 1), Ok(i32::MAX));
        assert_eq!(details_age(i32::MAX), Err(Status::AgeOverflow));
    }

    #[test]
    fn details_of_an_adult_is_a_copy_one_year_older() {
        let alice = PersonData::new(&CString::new("Alice").unwrap(), 30).unwrap();
        let older = alice.details().unwrap();
        assert_eq!((older.name.to_str().unwrap(), older.age), ("Alice", 31));
        assert_ne!(alice.name.as_ptr(), older.name.as_ptr(), "the name must be copied, not shared");
        let kid = PersonData::new(&CString::new("Kid").unwrap(), 17).unwrap();
        assert_eq!(kid.details(), Err(Status::UnderAge));
        let bad = CString::new(vec![0x41, 0xff]).unwrap();
        assert_eq!(PersonData::new(&bad, 30), Err(Status::InvalidUtf8));
    }

    #[test]
    fn names_must_be_utf8() {
        assert_eq!(check_name(&[0x41, 0xff, 0x42], false), Err(Status::InvalidUtf8));
        assert_eq!(check_name(&[0xC3, 0x28], false), Err(Status::InvalidUtf8));
        assert_eq!(check_name("张三 🦀".as_bytes(), false), Ok(()));
        assert_eq!(check_name(b"Alice", true), Ok(()));
        assert_eq!(check_name(b"", true), Ok(()));
    }
}
