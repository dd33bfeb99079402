//! The Person API as an HTTP/1.1 service on loopback: the "Rust service behind an interface"
//! route, measured against the in-process routes (wasm, FFI).
//!
//! Usage: `person-service PORT` (0 picks a free port). It prints `listening on 127.0.0.1:PORT`
//! on stdout once it accepts connections, and serves until `POST /shutdown` or until its standard
//! input closes, so a parent that dies never leaves it running. The protocol is in README.md.
//!
//! Every person lives in a map on the server, keyed by a `u64` id the server hands out. Ids count
//! up from 1 and are never reused, so a stale id is always a clean 404, never someone else's
//! person. The person logic itself is `person::PersonData` from rust-wasm, the same Rust the
//! wasm module and the native library run.

use std::collections::HashMap;
use std::ffi::CString;
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::os::unix::io::AsRawFd;
use std::panic::{self, AssertUnwindSafe};
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::thread;

use person::{PersonData, Status, ERROR_CODE, ERROR_MESSAGE};
use tiny_http::{Header, Method, Request, Response, Server};

/// The largest name accepted, in UTF-8 bytes. The same as the shared-memory route's data area,
/// so both out-of-process routes refuse the same names.
const MAX_NAME_BYTES: usize = 16 * 1024 * 1024 - 64;

/// The persons the clients own, by id.
struct Store {
    persons: Mutex<HashMap<u64, PersonData>>,
    next_id: AtomicU64,
}

impl Store {
    fn new() -> Store {
        Store { persons: Mutex::new(HashMap::new()), next_id: AtomicU64::new(1) }
    }

    /// The map, even after a panic in another worker: every change to it is a single insert or
    /// remove, so a panic can never leave it half-updated.
    fn persons(&self) -> MutexGuard<'_, HashMap<u64, PersonData>> {
        self.persons.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn insert(&self, person: PersonData) -> u64 {
        // Relaxed: the counter only has to hand out distinct values.
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.persons().insert(id, person);
        id
    }
}

/// What a request gets back, before it is turned into HTTP.
#[derive(Debug, PartialEq, Eq)]
enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// 204, no body.
    NoContent,
    /// An error status and the word naming the reason (a `Status` name, or one of this route's
    /// own: `UnknownId`, `NulInName`, `TooLarge`, `BadRequest`, `NoRoute`).
    Error(u16, &'static str),
}

/// Why the server stops.
#[derive(Debug)]
enum Stop {
    Shutdown,
    StdinClosed,
    /// tiny_http's accept loop failed.
    Failed(String),
}

/// What the worker does after replying.
#[derive(Debug, PartialEq, Eq)]
enum Then {
    Continue,
    Shutdown,
}

fn text(s: impl ToString) -> Reply {
    Reply::Body(s.to_string().into_bytes())
}

/// The HTTP status for a failure of the person logic. 422: the request was well-formed, the
/// person just does not qualify.
fn status_reply(status: Status) -> Reply {
    match status {
        Status::InvalidUtf8 => Reply::Error(400, "InvalidUtf8"),
        Status::UnderAge => Reply::Error(422, "UnderAge"),
        Status::AgeOverflow => Reply::Error(422, "AgeOverflow"),
        // The safe logic never returns these; listed so a new Status cannot slip through as 200.
        Status::Ok | Status::NullPointer | Status::Panic | Status::OutOfMemory => {
            Reply::Error(500, "Unexpected")
        }
    }
}

/// The value of `age=` in a query string such as `age=30` or `x=1&age=-5`.
fn age_param(query: &str) -> Option<i32> {
    query.split('&').find_map(|pair| pair.strip_prefix("age=")).and_then(|v| v.parse().ok())
}

/// Routes one request. `body` is at most `MAX_NAME_BYTES + 1` bytes: one more than allowed, so a
/// name that is too long can be told apart from one that just fits.
fn handle(store: &Store, method: &Method, url: &str, body: Vec<u8>) -> (Reply, Then) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<u64>().ok();

    let reply = match (method, segments.as_slice()) {
        (Method::Post, ["person"]) => create(store, query, body),
        (Method::Post, ["person", n, "details"]) => match id(n) {
            Some(n) => details(store, n),
            None => Reply::Error(404, "UnknownId"),
        },
        (Method::Get, ["person", n]) => match id(n).and_then(|n| read(store, n)) {
            Some(body) => Reply::Body(body),
            None => Reply::Error(404, "UnknownId"),
        },
        (Method::Delete, ["person", n]) => match id(n).and_then(|n| store.persons().remove(&n)) {
            Some(_) => Reply::NoContent,
            None => Reply::Error(404, "UnknownId"),
        },
        (Method::Get, ["error"]) => text(format!("{}\n{}", ERROR_CODE, ERROR_MESSAGE)),
        (Method::Get, ["live"]) => text(store.persons().len()),
        (Method::Get, ["allocations"]) => text(person::alloc::live()),
        (Method::Post, ["shutdown"]) => return (Reply::NoContent, Then::Shutdown),
        _ => Reply::Error(404, "NoRoute"),
    };
    (reply, Then::Continue)
}

fn create(store: &Store, query: &str, name: Vec<u8>) -> Reply {
    let age = match age_param(query) {
        Some(age) => age,
        None => return Reply::Error(400, "BadRequest"),
    };
    if name.len() > MAX_NAME_BYTES {
        return Reply::Error(413, "TooLarge");
    }
    // The person logic takes a C string, as the C ABI does. A NUL would end the name early
    // there; here it is refused (the Java side refuses U+0000 before sending anything).
    let name = match CString::new(name) {
        Ok(name) => name,
        Err(_) => return Reply::Error(400, "NulInName"),
    };
    match PersonData::new(&name, age) {
        Ok(person) => text(store.insert(person)),
        Err(status) => status_reply(status),
    }
}

fn details(store: &Store, id: u64) -> Reply {
    // The copy is made under the lock; inserting it takes the lock again, which is fine: another
    // worker may slip in between, but the source person is only read.
    let older = match store.persons().get(&id) {
        Some(person) => person.details(),
        None => return Reply::Error(404, "UnknownId"),
    };
    match older {
        Ok(older) => text(store.insert(older)),
        Err(status) => status_reply(status),
    }
}

/// The body of `GET /person/{id}`: the age in decimal, `\n`, then the name's UTF-8 bytes up to
/// the end of the body. The name may itself contain newlines, so it is never split on them.
fn read(store: &Store, id: u64) -> Option<Vec<u8>> {
    let persons = store.persons();
    let person = persons.get(&id)?;
    let name = person.name.as_bytes();
    let mut body = Vec::with_capacity(12 + name.len());
    // Writing into a Vec cannot fail.
    let _ = writeln!(body, "{}", person.age);
    body.extend_from_slice(name);
    Some(body)
}

fn plain_text() -> Header {
    Header::from_bytes(&b"Content-Type"[..], &b"text/plain; charset=utf-8"[..])
        .expect("a constant, valid header")
}

/// Reads the body, routes the request and answers it. Returns what to do next.
fn serve(store: &Store, mut request: Request) -> Then {
    let mut body = Vec::new();
    let limit = MAX_NAME_BYTES as u64 + 1;
    let read_ok = request.as_reader().take(limit).read_to_end(&mut body).is_ok();

    let (reply, then) = if !read_ok {
        (Reply::Error(400, "BadRequest"), Then::Continue)
    } else {
        let (method, url) = (request.method().clone(), request.url().to_owned());
        // A panic in one request must not take a worker thread (or the map) down with it.
        panic::catch_unwind(AssertUnwindSafe(|| handle(store, &method, &url, body)))
            .unwrap_or((Reply::Error(500, "Panic"), Then::Continue))
    };

    // A client that went away is its own problem; the server carries on either way.
    let _ = match reply {
        Reply::Body(bytes) => request.respond(Response::from_data(bytes).with_header(plain_text())),
        Reply::NoContent => request.respond(Response::empty(204)),
        Reply::Error(code, word) => {
            request.respond(Response::from_string(word).with_status_code(code).with_header(plain_text()))
        }
    };
    then
}

/// Binds 127.0.0.1:`port` with Nagle's algorithm off.
///
/// tiny_http writes a response through a 1 KiB buffer: a body that does not fit with the headers
/// leaves in two sends, and with Nagle on, the second waits for the client's delayed ACK of the
/// first: about 40 ms per response on Linux loopback (measured: a 1000-byte name took 44 ms to
/// read, a 100-byte one 0.09 ms). tiny_http has no option for it and std's TcpListener has no
/// `set_nodelay`, but Linux copies TCP_NODELAY from a listener to the sockets it accepts.
fn listen(port: u16) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let on: libc::c_int = 1;
    // SAFETY: a valid open socket descriptor, owned by `listener` for the whole call, and a
    // pointer to a live c_int with its exact size, as setsockopt(TCP_NODELAY) expects.
    let rc = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(listener)
}

fn usage() -> ! {
    eprintln!("usage: person-service PORT   (0 picks a free port; loopback only)");
    process::exit(2);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = match (args.next(), args.next()) {
        (Some(port), None) => port.parse().unwrap_or_else(|_| usage()),
        _ => usage(),
    };

    let server = match listen(port).map_err(|e| e.into()).and_then(|l| Server::from_listener(l, None)) {
        Ok(server) => Arc::new(server),
        Err(e) => {
            eprintln!("person-service: cannot listen on 127.0.0.1:{}: {}", port, e);
            process::exit(1);
        }
    };
    let addr = server.server_addr().to_ip().expect("a TCP listener has an IP address");

    let store = Arc::new(Store::new());
    let (stop, stopped) = mpsc::channel::<Stop>();

    // tiny_http parses each connection on a thread of its own and queues the requests; several
    // workers take them from that queue so one slow client does not stall the others.
    let workers = thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(2, 8);
    for _ in 0..workers {
        let (server, store, stop) = (Arc::clone(&server), Arc::clone(&store), stop.clone());
        thread::spawn(move || {
            // Ends when the process does, or when tiny_http reports an error: its accept thread
            // has then stopped for good, so the whole server stops rather than linger half-alive.
            loop {
                match server.recv() {
                    Ok(request) => {
                        if serve(&store, request) == Then::Shutdown {
                            let _ = stop.send(Stop::Shutdown);
                        }
                    }
                    Err(e) => {
                        let _ = stop.send(Stop::Failed(e.to_string()));
                        break;
                    }
                }
            }
        });
    }

    // The parent holds our stdin open for as long as it wants us; EOF (or an error) means it is
    // gone, and so are all the ids it held.
    thread::spawn(move || {
        let mut sink = [0u8; 256];
        let mut stdin = io::stdin().lock();
        while let Ok(n) = stdin.read(&mut sink) {
            if n == 0 {
                break;
            }
        }
        let _ = stop.send(Stop::StdinClosed);
    });

    // Printed only now, so a client that reads this line finds every worker running.
    println!("listening on {}", addr);
    let _ = io::stdout().flush();

    // The stdin thread keeps a sender until it has sent, so recv() cannot fail.
    let reason = stopped.recv().unwrap_or_else(|_| Stop::Failed("no stop signal".into()));
    eprintln!("person-service: stopping ({:?}), {} persons still held", reason, store.persons().len());
    // Ending the process ends the workers too. A shutdown reply has already been flushed:
    // tiny_http's respond() returns only after writing and flushing the response.
    if let Stop::Failed(_) = reason {
        process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(store: &Store, method: Method, url: &str, body: &[u8]) -> Reply {
        handle(store, &method, url, body.to_vec()).0
    }

    fn id_of(reply: Reply) -> u64 {
        match reply {
            Reply::Body(b) => String::from_utf8(b).unwrap().parse().unwrap(),
            other => panic!("expected an id, got {:?}", other),
        }
    }

    #[test]
    fn create_details_read_free() {
        let store = Store::new();
        let alice = id_of(call(&store, Method::Post, "/person?age=30", "张三\nAlice".as_bytes()));
        let older = id_of(call(&store, Method::Post, &format!("/person/{}/details", alice), b""));
        assert_ne!(alice, older);
        assert_eq!(
            call(&store, Method::Get, &format!("/person/{}", older), b""),
            Reply::Body("31\n张三\nAlice".as_bytes().to_vec())
        );
        assert_eq!(call(&store, Method::Get, "/live", b""), text(2));
        assert_eq!(call(&store, Method::Delete, &format!("/person/{}", alice), b""), Reply::NoContent);
        assert_eq!(call(&store, Method::Delete, &format!("/person/{}", alice), b""), Reply::Error(404, "UnknownId"));
        assert_eq!(call(&store, Method::Delete, &format!("/person/{}", older), b""), Reply::NoContent);
        assert_eq!(call(&store, Method::Get, "/live", b""), text(0));
    }

    #[test]
    fn failures_have_words() {
        let store = Store::new();
        assert_eq!(call(&store, Method::Post, "/person?age=30", &[0x41, 0xff]), Reply::Error(400, "InvalidUtf8"));
        assert_eq!(call(&store, Method::Post, "/person?age=30", b"a\0b"), Reply::Error(400, "NulInName"));
        assert_eq!(call(&store, Method::Post, "/person", b"a"), Reply::Error(400, "BadRequest"));
        assert_eq!(call(&store, Method::Post, "/person?age=x", b"a"), Reply::Error(400, "BadRequest"));
        let big = vec![b'a'; MAX_NAME_BYTES + 1];
        assert_eq!(call(&store, Method::Post, "/person?age=30", &big), Reply::Error(413, "TooLarge"));
        let kid = id_of(call(&store, Method::Post, "/person?age=17", b"Kid"));
        let old = id_of(call(&store, Method::Post, &format!("/person?age={}", i32::MAX), b"Old"));
        assert_eq!(call(&store, Method::Post, &format!("/person/{}/details", kid), b""), Reply::Error(422, "UnderAge"));
        assert_eq!(call(&store, Method::Post, &format!("/person/{}/details", old), b""), Reply::Error(422, "AgeOverflow"));
        assert_eq!(call(&store, Method::Post, "/person/999/details", b""), Reply::Error(404, "UnknownId"));
        assert_eq!(call(&store, Method::Get, "/person/nope", b""), Reply::Error(404, "UnknownId"));
        assert_eq!(call(&store, Method::Get, "/nowhere", b""), Reply::Error(404, "NoRoute"));
        assert_eq!(call(&store, Method::Get, "/shutdown", b""), Reply::Error(404, "NoRoute"));
    }

    #[test]
    fn error_and_shutdown() {
        let store = Store::new();
        assert_eq!(call(&store, Method::Get, "/error", b""), text("-1\n这是一个错误"));
        assert_eq!(handle(&store, &Method::Post, "/shutdown", Vec::new()), (Reply::NoContent, Then::Shutdown));
    }

    #[test]
    fn negative_ages_parse() {
        assert_eq!(age_param("age=-5"), Some(-5));
        assert_eq!(age_param("x=1&age=7"), Some(7));
        assert_eq!(age_param("age=2147483648"), None);
    }
}
