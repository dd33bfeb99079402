//! Fault injection for the hosts' tests (feature `fault-injection`, never in the shipped module).
//!
//! Nothing in the real API can panic on any input, so the tests need a door: a name that starts
//! with "💥" picks a fault, and the fault is real, not simulated.

/// Faults by name:
/// - "💥panic": a Rust panic. Native builds catch it at the boundary (`Status::Panic`); wasm32
///   traps after the panic hook has recorded the message and location.
/// - "💥abort": `std::process::abort()`, which no host can catch natively; on wasm32 it is a trap.
pub fn inject(name: &[u8]) {
    match name {
        b"\xF0\x9F\x92\xA5panic" => panic!("injected panic (fault-injection build)"),
        b"\xF0\x9F\x92\xA5abort" => std::process::abort(),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[should_panic(expected = "injected panic")]
    fn the_panic_door_panics() {
        super::inject("💥panic".as_bytes());
    }

    #[test]
    fn other_names_pass() {
        super::inject("💥".as_bytes());
        super::inject("panic".as_bytes());
        super::inject("💥panic!".as_bytes());
    }
}
