#!/usr/bin/env python3
"""Smoke test of person-shm with a small Python client (mmap + struct), on a local file only.

    bench/routes/smoke_shm.py [path/to/person-shm]

Starts the server on a fresh file (under /dev/shm when it exists: a memory-backed file system, so
the mapping is never written back to a disk), walks the protocol (create, details, read, free,
error, live, failures), stops it with SHUTDOWN, then starts it again and checks that closing its
stdin stops it too.

The client is a test tool, not a model for the Java one: Python has no atomics, so it reads and
writes the state word with plain 4-byte accesses through ctypes and relies on x86-64's ordering
(a plain store is a release, a plain load an acquire). The Java client uses VarHandle
getAcquire/setRelease on the same word.
"""

import ctypes
import mmap
import os
import struct
import subprocess
import sys
import tempfile
import time

MAGIC = int.from_bytes(b"PSHM", "little")
VERSION = 1
OFF_STATE, OFF_OP, OFF_STATUS, OFF_ARG, OFF_ID, OFF_LEN, OFF_CAPACITY, DATA = 8, 12, 16, 20, 24, 32, 36, 64
IDLE, REQUEST, RESPONSE, CLOSED = 0, 1, 2, 3
CREATE, DETAILS, READ, FREE, ERROR, LIVE, ALLOCATIONS, SHUTDOWN = range(1, 9)
STATUS_NAMES = {0: "Ok", 1: "NullPointer", 2: "InvalidUtf8", 3: "UnderAge", 4: "AgeOverflow", 5: "Panic",
                6: "OutOfMemory", 100: "UnknownId", 101: "TooLarge", 102: "NulInName", 103: "BadOp"}


class Closed(Exception):
    """The server set CLOSED: it will answer nothing more."""


class ShmClient:
    """One channel to a running person-shm: one request at a time."""

    def __init__(self, path, server):
        self.server = server
        with open(path, "r+b") as f:
            self.mm = mmap.mmap(f.fileno(), 0)
        magic, version = struct.unpack_from("<II", self.mm, 0)
        if (magic, version) != (MAGIC, VERSION):
            raise RuntimeError(f"not a person-shm v1 channel: magic {magic:#x}, version {version}")
        (self.capacity,) = struct.unpack_from("<I", self.mm, OFF_CAPACITY)
        self.state = ctypes.c_uint32.from_buffer(self.mm, OFF_STATE)

    def close(self):
        del self.state  # ctypes holds the buffer; it must go before the mapping can close
        self.mm.close()

    def _wait(self, timeout=5.0):
        """Waits for the answer: spins briefly, then yields the CPU, then sleeps; gives up after
        `timeout` or if the server died. Yielding matters when the CPUs are shared: a client
        that keeps spinning can hold the very CPU the server needs to answer."""
        deadline = time.monotonic() + timeout
        rounds = 0
        while True:
            s = self.state.value
            if s in (RESPONSE, CLOSED):
                return s
            rounds += 1
            if rounds < 200:
                continue
            if rounds % 256 == 0 and (time.monotonic() > deadline or self.server.poll() is not None):
                raise TimeoutError("no answer from person-shm")
            if rounds < 2000:
                os.sched_yield()
            else:
                time.sleep(0.00005)

    def call(self, op, arg=0, id=0, data=b""):
        """Sends one request; returns (status, arg, id, data)."""
        if self.state.value != IDLE:
            raise RuntimeError(f"channel not idle (state {self.state.value})")
        if len(data) > self.capacity:
            return (101, 0, 0, b"")  # TooLarge, without bothering the server
        self.mm[DATA:DATA + len(data)] = data
        struct.pack_into("<I", self.mm, OFF_OP, op)
        struct.pack_into("<iQI", self.mm, OFF_ARG, arg, id, len(data))
        self.state.value = REQUEST  # after every field: the server may start reading now
        if self._wait() == CLOSED:
            raise Closed()
        status, arg, id, length = struct.unpack_from("<iiQI", self.mm, OFF_STATUS)
        out = self.mm[DATA:DATA + length] if length else b""
        self.state.value = IDLE  # the answer is copied out; the slot is free again
        return status, arg, id, out

    def shutdown(self):
        struct.pack_into("<I", self.mm, OFF_OP, SHUTDOWN)
        self.state.value = REQUEST
        if self._wait() != CLOSED:
            raise RuntimeError("SHUTDOWN answered with RESPONSE, not CLOSED")


def start(binary):
    """Starts person-shm on a fresh file; returns (process, client, path)."""
    folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
    fd, path = tempfile.mkstemp(prefix="person-shm-", dir=folder)
    os.close(fd)
    server = subprocess.Popen([binary, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = server.stdout.readline().decode().strip()
    if line != "ready":
        server.kill()
        raise RuntimeError(f"person-shm said {line!r}, not 'ready'")
    return server, ShmClient(path, server), path


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "person-shm/target/release/person-shm")
    if not os.access(binary, os.X_OK):
        sys.exit(f"no {binary}: build it first (see bench/routes/README.md)")

    fails = 0

    def check(what, got, want):
        nonlocal fails
        ok = got == want
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'}  {what:<28} {got!r}" + ("" if ok else f", want {want!r}"))

    def status(result):
        return STATUS_NAMES.get(result[0], result[0])

    server, c, path = start(binary)
    try:
        print(f"server: ready, {c.capacity} bytes of data area")
        alice = c.call(CREATE, arg=30, data="张三\nAlice".encode())
        check("create Alice, 30", status(alice), "Ok")
        older = c.call(DETAILS, id=alice[2])
        check("details of Alice", status(older), "Ok")
        check("read the copy", c.call(READ, id=older[2]), (0, 31, 0, "张三\nAlice".encode()))
        check("live is 2", c.call(LIVE)[2], 2)
        check("free Alice", status(c.call(FREE, id=alice[2])), "Ok")
        check("free Alice again", status(c.call(FREE, id=alice[2])), "UnknownId")
        check("free the copy", status(c.call(FREE, id=older[2])), "Ok")
        check("live is 0", c.call(LIVE)[2], 0)
        error = c.call(ERROR)
        check("error message", (error[1], error[3].decode()), (-1, "这是一个错误"))
        check("invalid UTF-8", status(c.call(CREATE, arg=30, data=b"\xff")), "InvalidUtf8")
        check("NUL in name", status(c.call(CREATE, arg=30, data=b"a\0b")), "NulInName")
        check("name too large", status(c.call(CREATE, arg=30, data=b"x" * (c.capacity + 1))), "TooLarge")
        big = c.call(CREATE, arg=40, data=b"y" * c.capacity)
        check("name that just fits", status(big), "Ok")
        check("read it back", len(c.call(READ, id=big[2])[3]), c.capacity)
        c.call(FREE, id=big[2])
        kid = c.call(CREATE, arg=17, data=b"Kid")[2]
        old = c.call(CREATE, arg=2**31 - 1, data=b"Old")[2]
        check("details of Kid", status(c.call(DETAILS, id=kid)), "UnderAge")
        check("details of Old", status(c.call(DETAILS, id=old)), "AgeOverflow")
        c.call(FREE, id=kid)
        c.call(FREE, id=old)
        check("unknown id", status(c.call(READ, id=123456789)), "UnknownId")
        check("unknown op", status(c.call(99)), "BadOp")
        check("live is 0 again", c.call(LIVE)[2], 0)

        n = 5000
        t0 = time.perf_counter()
        for _ in range(n):
            c.call(LIVE)
        t1 = time.perf_counter()
        print(f"timing: {n} LIVE round trips: {(t1 - t0) / n * 1e6:.1f} us each")

        c.shutdown()
        check("exit after SHUTDOWN", server.wait(timeout=5), 0)
    finally:
        c.close()
        if server.poll() is None:
            server.kill()
        os.unlink(path)

    # The orphan case: nobody sends SHUTDOWN, stdin just closes.
    server, c, path = start(binary)
    try:
        check("create before EOF", status(c.call(CREATE, arg=30, data=b"x")), "Ok")
        server.stdin.close()
        check("exit after stdin EOF", server.wait(timeout=5), 0)
        check("state is CLOSED", c.state.value, CLOSED)
    finally:
        c.close()
        if server.poll() is None:
            server.kill()
        os.unlink(path)

    print("all good" if fails == 0 else f"{fails} failures")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
