//! The `abi_layout` query: a host asks the build it loaded for its ABI version and struct
//! layouts, one number per query, and compares them with its own constants. `#[repr(C)]` follows
//! the C rules of the target, and pointers are 4 bytes on wasm32 but 8 on x86_64, so the same
//! source gives different offsets.
//!
//! Queries 0 and 1 are the boundary's; every other query is the binding's table, a function from
//! query to answer given to [`crate::exports!`]. Unknown queries answer -1.

/// Answered by the binding's ABI version.
pub const QUERY_ABI_VERSION: i32 = 0;
/// Answered by the size of a pointer.
pub const QUERY_POINTER_SIZE: i32 = 1;

/// The body of the `abi_layout` export.
pub fn abi_layout(abi_version: i32, query: i32, binding: impl FnOnce(i32) -> Option<i32>) -> i32 {
    match query {
        QUERY_ABI_VERSION => abi_version,
        QUERY_POINTER_SIZE => size_of::<*const u8>(),
        _ => binding(query).unwrap_or(-1),
    }
}

/// `size_of::<T>()` as a query's answer.
pub const fn size_of<T>() -> i32 {
    std::mem::size_of::<T>() as i32
}

/// `align_of::<T>()` as a query's answer.
pub const fn align_of<T>() -> i32 {
    std::mem::align_of::<T>() as i32
}

/// The offset of a field in a struct, in bytes, as a query's answer:
/// `ffi_boundary::offset_of!(Person, age)`.
#[macro_export]
macro_rules! offset_of {
    ($struct:ty, $field:ident) => {{
        let value = ::std::mem::MaybeUninit::<$struct>::uninit();
        let base = value.as_ptr();
        // SAFETY: addr_of! computes the field's address without reading the uninitialised value,
        // and both pointers are into the same value.
        unsafe { (::std::ptr::addr_of!((*base).$field) as *const u8).offset_from(base as *const u8) as i32 }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    struct Sample {
        a: u8,
        b: u32,
        c: *const u8,
    }

    #[test]
    fn the_boundary_answers_0_and_1_and_the_binding_the_rest() {
        let table = |q| match q {
            2 => Some(size_of::<Sample>()),
            3 => Some(crate::offset_of!(Sample, b)),
            4 => Some(crate::offset_of!(Sample, c)),
            _ => None,
        };
        let ptr = std::mem::size_of::<usize>() as i32;
        assert_eq!(abi_layout(9, 0, table), 9);
        assert_eq!(abi_layout(9, 1, table), ptr);
        assert_eq!(abi_layout(9, 2, table), if ptr == 8 { 16 } else { 12 });
        assert_eq!(abi_layout(9, 3, table), 4);
        assert_eq!(abi_layout(9, 4, table), 8);
        assert_eq!(abi_layout(9, 5, table), -1);
        assert_eq!(abi_layout(9, -1, table), -1);
    }
}
