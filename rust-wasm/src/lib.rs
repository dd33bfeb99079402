//! The seed's Person API: safe logic here, the C ABI in [`ffi`].
//!
//! Everything that can go wrong is a [`Status`], so the boundary in `ffi.rs` only converts
//! between raw pointers and these safe functions.

use std::ffi::{CStr, CString};

pub mod alloc;
#[cfg(feature = "fault-injection")]
mod faults;
pub mod ffi;

/// Why a call did or did not produce a result. The values are part of the ABI: the Java side
/// mirrors them in `internal/Abi.java`.
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

/// The seed returns details only for adults.
pub const ADULT_AGE: i32 = 18;

/// The seed's `get_error_message()` result.
pub const ERROR_CODE: i32 = -1;
pub const ERROR_MESSAGE: &str = "这是一个错误";

/// A person as Rust owns it. The `#[repr(C)]` view lives in `ffi.rs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonData {
    pub name: CString,
    pub age: i32,
}

impl PersonData {
    /// Validates a name received as a C string: it must be UTF-8 (the seed returned null otherwise).
    pub fn new(name: &CStr, age: i32) -> Result<PersonData, Status> {
        #[cfg(feature = "fault-injection")]
        faults::inject(name.to_bytes());
        name.to_str().map_err(|_| Status::InvalidUtf8)?;
        Ok(PersonData { name: copy_c_str(name), age })
    }

    /// The seed's `get_person_details`: a deep copy, one year older, adults only.
    pub fn details(&self) -> Result<PersonData, Status> {
        let age = details_age(self.age)?;
        Ok(PersonData { name: copy_c_str(&self.name), age })
    }
}

/// The age `get_person_details` gives, or why there is none. Unlike the seed, `i32::MAX` is
/// refused instead of wrapping to `i32::MIN`.
pub fn details_age(age: i32) -> Result<i32, Status> {
    if age < ADULT_AGE {
        return Err(Status::UnderAge);
    }
    age.checked_add(1).ok_or(Status::AgeOverflow)
}

/// Copies a C string. Written out instead of `CStr::to_owned` so that the copy is compiled in this
/// crate, where wasm32's bulk-memory feature makes it one `memory.copy`; std comes precompiled,
/// and its copy is a loop of loads and stores through the Wasm runtime.
pub fn copy_c_str(s: &CStr) -> CString {
    let bytes = s.to_bytes_with_nul();
    let mut copy = Vec::with_capacity(bytes.len());
    copy.extend_from_slice(bytes);
    // SAFETY: the bytes come from a CStr: one NUL, at the end.
    unsafe { CString::from_vec_with_nul_unchecked(copy) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, age: i32) -> PersonData {
        PersonData::new(&CString::new(name).unwrap(), age).unwrap()
    }

    #[test]
    fn details_of_an_adult_is_a_copy_one_year_older() {
        let alice = person("Alice", 30);
        let older = alice.details().unwrap();
        assert_eq!(older, person("Alice", 31));
        assert_ne!(alice.name.as_ptr(), older.name.as_ptr(), "the name must be copied, not shared");
    }

    #[test]
    fn age_edges() {
        assert_eq!(person("a", 17).details(), Err(Status::UnderAge));
        assert_eq!(person("a", -1).details(), Err(Status::UnderAge));
        assert_eq!(person("a", i32::MIN).details(), Err(Status::UnderAge));
        assert_eq!(person("a", 18).details().unwrap().age, 19);
        assert_eq!(person("a", i32::MAX - 1).details().unwrap().age, i32::MAX);
        assert_eq!(person("a", i32::MAX).details(), Err(Status::AgeOverflow));
    }

    #[test]
    fn names_must_be_utf8() {
        let bad = CString::new(vec![0x41, 0xff, 0x42]).unwrap();
        assert_eq!(PersonData::new(&bad, 30), Err(Status::InvalidUtf8));
        assert_eq!(person("张三 🦀", 30).name.to_str().unwrap(), "张三 🦀");
    }
}
