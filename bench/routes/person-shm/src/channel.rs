//! The memory-mapped file and its header: every `unsafe` of the shared-memory route is here.
//!
//! Layout (README.md has the handshake). All fields are little-endian, at fixed offsets, each
//! aligned to its own size; the data area starts at [`DATA`].
//!
//! | offset | field      | type | written by |
//! |-------:|------------|------|------------|
//! | 0      | `magic`    | u32  | server, once: `PSHM` as bytes |
//! | 4      | `version`  | u32  | server, once |
//! | 8      | `state`    | u32  | both, atomically: the handshake |
//! | 12     | `op`       | u32  | client |
//! | 16     | `status`   | i32  | server |
//! | 20     | `arg`      | i32  | client (age) or server (age, error code) |
//! | 24     | `id`       | u64  | client (person id) or server (new id, count) |
//! | 32     | `len`      | u32  | whoever wrote the data area: its length in bytes |
//! | 36     | `capacity` | u32  | server, once: size of the data area |
//! | 40..64 | reserved   |      | zero |
//! | 64     | data       |      | name or message bytes |

use std::fs::OpenOptions;
use std::io;
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};

// The header is read and written in the machine's byte order; the protocol says little-endian.
#[cfg(not(target_endian = "little"))]
compile_error!("the shared-memory header is little-endian; this target is not");

pub const MAGIC: u32 = u32::from_le_bytes(*b"PSHM");
pub const VERSION: u32 = 1;

pub const OFF_MAGIC: usize = 0;
pub const OFF_VERSION: usize = 4;
pub const OFF_STATE: usize = 8;
pub const OFF_OP: usize = 12;
pub const OFF_STATUS: usize = 16;
pub const OFF_ARG: usize = 20;
pub const OFF_ID: usize = 24;
pub const OFF_LEN: usize = 32;
pub const OFF_CAPACITY: usize = 36;
pub const DATA: usize = 64;

/// The whole file: 16 MiB, so a name can be up to 16 MiB - 64 bytes.
pub const FILE_SIZE: usize = 16 * 1024 * 1024;
pub const CAPACITY: usize = FILE_SIZE - DATA;

/// The client may write a request.
pub const IDLE: u32 = 0;
/// The client has written a request; the server owns every other field until it answers.
pub const REQUEST: u32 = 1;
/// The server has written its answer; the client owns every other field again.
pub const RESPONSE: u32 = 2;
/// The server is gone (it answered SHUTDOWN, or its stdin closed). Nothing more will be answered.
pub const CLOSED: u32 = 3;

/// A shared, writable mapping of the channel file.
pub struct Channel {
    base: *mut u8,
}

impl Channel {
    /// Creates (or truncates) the file at `path`, sizes it to [`FILE_SIZE`], maps it shared and
    /// writes the header: state [`IDLE`], capacity, version, and the magic last.
    pub fn create(path: &Path) -> io::Result<Channel> {
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path)?;
        // Truncating first then growing gives a file of zeros: every field starts at 0.
        file.set_len(FILE_SIZE as u64)?;
        // SAFETY: a fresh shared mapping of a file we just sized to FILE_SIZE; no Rust reference
        // to that memory exists yet. The mapping stays valid after `file` is closed.
        let base = unsafe {
            libc::mmap(
                ptr::null_mut(),
                FILE_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let channel = Channel { base: base.cast() };
        channel.set_u32(OFF_CAPACITY, CAPACITY as u32);
        channel.set_u32(OFF_VERSION, VERSION);
        channel.state().store(IDLE, Ordering::Relaxed);
        // Release: a client that polls the magic instead of waiting for "ready" sees a complete
        // header once it sees the magic.
        channel.word(OFF_MAGIC).store(MAGIC, Ordering::Release);
        Ok(channel)
    }

    /// The handshake word. Both processes change it only with atomic operations.
    pub fn state(&self) -> &AtomicU32 {
        self.word(OFF_STATE)
    }

    fn word(&self, offset: usize) -> &AtomicU32 {
        assert!(offset % 4 == 0 && offset + 4 <= DATA);
        // SAFETY: mmap returns a page-aligned address and `offset` is a multiple of 4, so the
        // pointer is aligned for AtomicU32, which has the size and alignment of u32. It lies in
        // the header, inside the mapping, which lives as long as `self` (the reference cannot
        // outlive it). The other process touches this word only with atomic instructions too.
        unsafe { &*(self.base.add(offset) as *const AtomicU32) }
    }

    // The plain fields. They are read and written with volatile accesses through raw pointers,
    // never through Rust references: the memory is shared with another process, and a client that
    // broke the protocol could change it under us. The handshake's acquire/release on `state`
    // orders these accesses; volatile only keeps the compiler from assuming the memory is ours.

    pub fn u32_at(&self, offset: usize) -> u32 {
        assert!(offset % 4 == 0 && offset + 4 <= DATA);
        // SAFETY: aligned (page-aligned base, offset a multiple of 4) and inside the header.
        unsafe { ptr::read_volatile(self.base.add(offset) as *const u32) }
    }

    pub fn set_u32(&self, offset: usize, value: u32) {
        assert!(offset % 4 == 0 && offset + 4 <= DATA);
        // SAFETY: as in `u32_at`.
        unsafe { ptr::write_volatile(self.base.add(offset) as *mut u32, value) }
    }

    pub fn i32_at(&self, offset: usize) -> i32 {
        self.u32_at(offset) as i32
    }

    pub fn set_i32(&self, offset: usize, value: i32) {
        self.set_u32(offset, value as u32)
    }

    pub fn u64_at(&self, offset: usize) -> u64 {
        assert!(offset % 8 == 0 && offset + 8 <= DATA);
        // SAFETY: aligned (page-aligned base, offset a multiple of 8) and inside the header.
        unsafe { ptr::read_volatile(self.base.add(offset) as *const u64) }
    }

    pub fn set_u64(&self, offset: usize, value: u64) {
        assert!(offset % 8 == 0 && offset + 8 <= DATA);
        // SAFETY: as in `u64_at`.
        unsafe { ptr::write_volatile(self.base.add(offset) as *mut u64, value) }
    }

    /// A copy of the first `len` bytes of the data area. The bytes are copied out before anything
    /// looks at them, so what is validated is what is used, whatever the other side does later.
    pub fn read_data(&self, len: usize) -> Vec<u8> {
        assert!(len <= CAPACITY);
        let mut bytes = Vec::with_capacity(len);
        // SAFETY: DATA + len <= FILE_SIZE, so the source is inside the mapping; the destination
        // is a fresh Vec with room for `len` bytes, which are all initialised before set_len.
        unsafe {
            ptr::copy_nonoverlapping(self.base.add(DATA), bytes.as_mut_ptr(), len);
            bytes.set_len(len);
        }
        bytes
    }

    /// Writes `bytes` at the start of the data area and their length into `len`.
    pub fn write_data(&self, bytes: &[u8]) {
        assert!(bytes.len() <= CAPACITY);
        // SAFETY: DATA + bytes.len() <= FILE_SIZE, inside the mapping. `bytes` cannot overlap it:
        // this type never hands out slices of the mapping.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(DATA), bytes.len()) };
        self.set_u32(OFF_LEN, bytes.len() as u32);
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        // SAFETY: `base` came from mmap with FILE_SIZE, and no reference into the mapping can
        // outlive `self` (every accessor borrows it).
        unsafe { libc::munmap(self.base.cast(), FILE_SIZE) };
    }
}
