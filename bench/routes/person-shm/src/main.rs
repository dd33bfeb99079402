//! The Person API over a memory-mapped file shared with the JVM: the shared-memory route,
//! measured against the in-process routes (wasm, FFI) and the HTTP service.
//!
//! Usage: `person-shm FILE`. It creates (or truncates) FILE, sizes and maps it, writes the header,
//! prints `ready` on stdout, then answers one request at a time until a SHUTDOWN request or until
//! its standard input closes, so a parent that dies never leaves it running. The handshake is in
//! README.md; the layout and every `unsafe` are in `channel.rs`.
//!
//! Persons live in a map in this process, keyed by a `u64` id it hands out. Ids count up from 1
//! and are never reused, so a stale id is always `UNKNOWN_ID`, never someone else's person. The
//! person logic is `person::PersonData` from rust-wasm, the same Rust the wasm module runs.

mod channel;

use std::collections::HashMap;
use std::ffi::CString;
use std::hint;
use std::io::{self, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use channel::*;
use person::{PersonData, Status, ERROR_CODE, ERROR_MESSAGE};

// Operations, in `op`.
const OP_CREATE: u32 = 1;
const OP_DETAILS: u32 = 2;
const OP_READ: u32 = 3;
const OP_FREE: u32 = 4;
const OP_ERROR: u32 = 5;
const OP_LIVE: u32 = 6;
const OP_ALLOCATIONS: u32 = 7;
const OP_SHUTDOWN: u32 = 8;

// Statuses, in `status`: 0..=6 are `person::Status` (the same numbers as the C ABI's
// `last_status()`); this route adds its own from 100 on.
const UNKNOWN_ID: i32 = 100;
const TOO_LARGE: i32 = 101;
const NUL_IN_NAME: i32 = 102;
const BAD_OP: i32 = 103;

/// How long the server spins, then yields, before it starts to sleep (see `wait_for_request`).
const SPIN_FOR: Duration = Duration::from_micros(100);
const YIELD_UNTIL: Duration = Duration::from_micros(1000);

/// Set by the stdin thread when the parent goes away.
static STOP: AtomicBool = AtomicBool::new(false);

/// The persons the client owns, by id. One thread serves the channel, so no lock.
struct Persons {
    map: HashMap<u64, PersonData>,
    next_id: u64,
}

impl Persons {
    fn insert(&mut self, person: PersonData) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.map.insert(id, person);
        id
    }
}

/// One answer: `status`, and for a success the fields it sets.
struct Answer {
    status: i32,
    arg: i32,
    id: u64,
    data: Option<Vec<u8>>,
}

impl Answer {
    fn ok() -> Answer {
        Answer { status: Status::Ok as i32, arg: 0, id: 0, data: None }
    }
    fn id(id: u64) -> Answer {
        Answer { id, ..Answer::ok() }
    }
    fn fail(status: i32) -> Answer {
        Answer { status, ..Answer::ok() }
    }
}

/// Carries out one request. The request's fields come from `channel`; the answer is returned and
/// written by the caller. Bytes from the data area are copied before they are checked.
fn process(persons: &mut Persons, channel: &Channel, op: u32) -> Answer {
    match op {
        OP_CREATE => {
            let len = channel.u32_at(OFF_LEN) as usize;
            if len > CAPACITY {
                return Answer::fail(TOO_LARGE);
            }
            // The person logic takes a C string, as the C ABI does. A NUL would end the name
            // early there; here it is refused (the Java side refuses U+0000 before sending).
            let name = match CString::new(channel.read_data(len)) {
                Ok(name) => name,
                Err(_) => return Answer::fail(NUL_IN_NAME),
            };
            match PersonData::new(&name, channel.i32_at(OFF_ARG)) {
                Ok(person) => Answer::id(persons.insert(person)),
                Err(status) => Answer::fail(status as i32),
            }
        }
        OP_DETAILS => {
            let older = match persons.map.get(&channel.u64_at(OFF_ID)) {
                Some(person) => person.details(),
                None => return Answer::fail(UNKNOWN_ID),
            };
            match older {
                Ok(older) => Answer::id(persons.insert(older)),
                Err(status) => Answer::fail(status as i32),
            }
        }
        OP_READ => match persons.map.get(&channel.u64_at(OFF_ID)) {
            // A name always fits: it came in through the same data area.
            Some(person) => Answer {
                arg: person.age,
                data: Some(person.name.as_bytes().to_vec()),
                ..Answer::ok()
            },
            None => Answer::fail(UNKNOWN_ID),
        },
        OP_FREE => match persons.map.remove(&channel.u64_at(OFF_ID)) {
            Some(_) => Answer::ok(),
            None => Answer::fail(UNKNOWN_ID),
        },
        OP_ERROR => Answer { arg: ERROR_CODE, data: Some(ERROR_MESSAGE.as_bytes().to_vec()), ..Answer::ok() },
        // The persons held, not `person::alloc::live()`: the counting allocator is this whole
        // process's global allocator, so its count includes the map's own table and std's
        // buffers, and never returns to 0. The map's length is what a client's leak changes.
        OP_LIVE => Answer::id(persons.map.len() as u64),
        // The raw allocator count, for whoever wants to watch it move.
        OP_ALLOCATIONS => Answer::id(person::alloc::live() as u64),
        _ => Answer::fail(BAD_OP),
    }
}

/// Waits for `state` to become REQUEST (true) or for the end (false: the client closed the
/// channel or stdin closed).
///
/// Spins for up to [`SPIN_FOR`], the lowest latency while a client is busy; then yields the CPU
/// until [`YIELD_UNTIL`]; then sleeps for growing times up to 1 ms, so an idle server costs next
/// to nothing and still notices the end within about a millisecond. Phases are measured in time,
/// not in iterations, because the cost of one `spin_loop` hint differs tenfold between CPUs.
fn wait_for_request(channel: &Channel) -> bool {
    let start = Instant::now();
    let mut sleep = Duration::from_micros(20);
    let mut round: u32 = 0;
    // Ends when a request comes, the client closes the channel, or stdin closes.
    loop {
        // Acquire: pairs with the client's release store of REQUEST, so every field it wrote
        // before that store is visible to the reads that follow.
        match channel.state().load(Ordering::Acquire) {
            REQUEST => return true,
            CLOSED => return false,
            _ => {}
        }
        round = round.wrapping_add(1);
        // Reading the clock costs about as much as a few dozen spins: look at it now and then.
        if round % 64 != 0 {
            hint::spin_loop();
            continue;
        }
        if STOP.load(Ordering::Relaxed) {
            return false;
        }
        let waited = start.elapsed();
        if waited < SPIN_FOR {
            hint::spin_loop();
        } else if waited < YIELD_UNTIL {
            thread::yield_now();
        } else {
            thread::sleep(sleep);
            sleep = (sleep * 2).min(Duration::from_millis(1));
        }
    }
}

fn serve(channel: &Channel) {
    let mut persons = Persons { map: HashMap::new(), next_id: 1 };
    while wait_for_request(channel) {
        let op = channel.u32_at(OFF_OP);
        if op == OP_SHUTDOWN {
            channel.set_i32(OFF_STATUS, Status::Ok as i32);
            break; // answered by CLOSED below
        }
        // A panic must not leave the client waiting forever: it becomes the Panic status.
        let answer = panic::catch_unwind(AssertUnwindSafe(|| process(&mut persons, channel, op)))
            .unwrap_or_else(|_| Answer::fail(Status::Panic as i32));
        channel.set_i32(OFF_STATUS, answer.status);
        channel.set_i32(OFF_ARG, answer.arg);
        channel.set_u64(OFF_ID, answer.id);
        match answer.data {
            Some(bytes) => channel.write_data(&bytes),
            None => channel.set_u32(OFF_LEN, 0),
        }
        // Release: the client's acquire load of RESPONSE then sees every field written above.
        channel.state().store(RESPONSE, Ordering::Release);
    }
    // Whether asked to or orphaned: tell any waiting client that no answer will come.
    channel.state().store(CLOSED, Ordering::Release);
    eprintln!("person-shm: stopping, {} persons still held", persons.map.len());
}

fn main() {
    let mut args = std::env::args_os().skip(1);
    let path = match (args.next(), args.next()) {
        (Some(path), None) => PathBuf::from(path),
        _ => {
            eprintln!("usage: person-shm FILE   (created or truncated, {} bytes)", FILE_SIZE);
            process::exit(2);
        }
    };
    let channel = match Channel::create(&path) {
        Ok(channel) => channel,
        Err(e) => {
            eprintln!("person-shm: cannot map {}: {}", path.display(), e);
            process::exit(1);
        }
    };

    // The parent holds our stdin open for as long as it wants us; EOF (or an error) means it is
    // gone, and so are all the ids it held.
    thread::spawn(|| {
        let mut sink = [0u8; 256];
        let mut stdin = io::stdin().lock();
        while let Ok(n) = stdin.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
        STOP.store(true, Ordering::Relaxed);
    });

    println!("ready");
    let _ = io::stdout().flush();
    serve(&channel);
    // The file stays: its path was chosen by the client, which deletes it.
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A channel on a file of its own, removed when the test ends.
    struct TempChannel(Channel, PathBuf);

    impl TempChannel {
        fn new(name: &str) -> TempChannel {
            let path = std::env::temp_dir().join(format!("person-shm-test-{}-{}", process::id(), name));
            TempChannel(Channel::create(&path).unwrap(), path)
        }
    }

    impl Drop for TempChannel {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.1);
        }
    }

    fn create(p: &mut Persons, ch: &Channel, name: &[u8], age: i32) -> Answer {
        ch.write_data(name);
        ch.set_i32(OFF_ARG, age);
        process(p, ch, OP_CREATE)
    }

    fn with_id(p: &mut Persons, ch: &Channel, op: u32, id: u64) -> Answer {
        ch.set_u64(OFF_ID, id);
        process(p, ch, op)
    }

    #[test]
    fn header_is_written() {
        let t = TempChannel::new("header");
        assert_eq!(t.0.u32_at(OFF_MAGIC), MAGIC);
        assert_eq!(&MAGIC.to_le_bytes(), b"PSHM");
        assert_eq!(t.0.u32_at(OFF_VERSION), VERSION);
        assert_eq!(t.0.u32_at(OFF_CAPACITY) as usize, CAPACITY);
        assert_eq!(t.0.state().load(Ordering::Relaxed), IDLE);
        assert_eq!(std::fs::metadata(&t.1).unwrap().len(), FILE_SIZE as u64);
    }

    #[test]
    fn create_details_read_free() {
        let t = TempChannel::new("round-trip");
        let ch = &t.0;
        let mut p = Persons { map: HashMap::new(), next_id: 1 };
        let alice = create(&mut p, ch, "张三\nAlice".as_bytes(), 30);
        assert_eq!((alice.status, alice.id), (0, 1));
        let older = with_id(&mut p, ch, OP_DETAILS, alice.id);
        assert_eq!((older.status, older.id), (0, 2));
        let read = with_id(&mut p, ch, OP_READ, older.id);
        assert_eq!((read.status, read.arg), (0, 31));
        assert_eq!(read.data.unwrap(), "张三\nAlice".as_bytes());
        assert_eq!(process(&mut p, ch, OP_LIVE).id, 2);
        assert_eq!(with_id(&mut p, ch, OP_FREE, alice.id).status, 0);
        assert_eq!(with_id(&mut p, ch, OP_FREE, alice.id).status, UNKNOWN_ID);
        assert_eq!(with_id(&mut p, ch, OP_FREE, older.id).status, 0);
        assert_eq!(process(&mut p, ch, OP_LIVE).id, 0);
    }

    #[test]
    fn failures_have_statuses() {
        let t = TempChannel::new("failures");
        let ch = &t.0;
        let mut p = Persons { map: HashMap::new(), next_id: 1 };
        assert_eq!(create(&mut p, ch, &[0x41, 0xff], 30).status, Status::InvalidUtf8 as i32);
        assert_eq!(create(&mut p, ch, b"a\0b", 30).status, NUL_IN_NAME);
        ch.set_u32(OFF_LEN, CAPACITY as u32 + 1);
        assert_eq!(process(&mut p, ch, OP_CREATE).status, TOO_LARGE);
        let kid = create(&mut p, ch, b"Kid", 17).id;
        let old = create(&mut p, ch, b"Old", i32::MAX).id;
        assert_eq!(with_id(&mut p, ch, OP_DETAILS, kid).status, Status::UnderAge as i32);
        assert_eq!(with_id(&mut p, ch, OP_DETAILS, old).status, Status::AgeOverflow as i32);
        assert_eq!(with_id(&mut p, ch, OP_DETAILS, 999).status, UNKNOWN_ID);
        assert_eq!(with_id(&mut p, ch, OP_READ, 999).status, UNKNOWN_ID);
        assert_eq!(process(&mut p, ch, 0).status, BAD_OP);
        let error = process(&mut p, ch, OP_ERROR);
        assert_eq!((error.status, error.arg), (0, -1));
        assert_eq!(error.data.unwrap(), "这是一个错误".as_bytes());
    }
}
