package io.github.rustjava.person.routes;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.RustError;
import io.github.rustjava.person.RustPanicException;
import io.github.rustjava.person.internal.Ffi;
import io.github.rustjava.person.internal.Operations;
import io.github.rustjava.person.internal.ManagedPersonApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The write-up's second route, "shared memory": the JVM and {@code bench/routes/person-shm} map one
 * file and pass one request at a time through it (the protocol is in that folder's README). The
 * client spins, then yields, then parks while it waits, as the server does: answers come within a
 * microsecond while both sides have a CPU, and a waiting side costs little when they do not.
 *
 * <p>{@code liveAllocations()} counts the persons the server holds, not heap blocks.
 */
public final class SharedMemoryPersonApi {
    private SharedMemoryPersonApi() {}

    /** Starts a server from {@code binary} on a fresh file; a fresh one replaces it after a failure. */
    public static PersonApi open(Path binary) {
        return ManagedPersonApi.openBackend(() -> new Channel(binary));
    }

    private static final class Channel implements Operations {
        // The header of person-shm's README; every field little-endian at a fixed offset.
        private static final int MAGIC = 0x4D485350; // "PSHM"
        private static final long OFF_MAGIC = 0, OFF_VERSION = 4, OFF_STATE = 8, OFF_OP = 12, OFF_STATUS = 16;
        private static final long OFF_ARG = 20, OFF_ID = 24, OFF_LEN = 32, OFF_CAPACITY = 36, OFF_DATA = 64;
        private static final int IDLE = 0, REQUEST = 1, RESPONSE = 2, CLOSED = 3;
        private static final int CREATE = 1, DETAILS = 2, READ = 3, FREE = 4, ERROR = 5, LIVE = 6;
        private static final int UNKNOWN_ID = 100;
        private static final long FILE_SIZE = 16L * 1024 * 1024;
        private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

        private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
        /** The state word: release stores publish the fields written before them, acquire loads see them. */
        private static final VarHandle STATE = INT.varHandle();

        private final Path file;
        private final RouteProcess server;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment slot;
        private final long capacity;
        private int lastStatus;
        private long readId;
        private int readAge;
        private String readName;

        Channel(Path binary) {
            try {
                Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
                file = Files.createTempFile(dir, "person-shm-", ".slot");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server = RouteProcess.start(List.of(binary.toString(), file.toString()), "ready");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                slot = ch.map(FileChannel.MapMode.READ_WRITE, 0, FILE_SIZE, arena);
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(e);
            }
            if (slot.get(INT, OFF_MAGIC) != MAGIC || slot.get(INT, OFF_VERSION) != 1) {
                close();
                throw new IllegalStateException("person-shm wrote no valid header in " + file);
            }
            capacity = Integer.toUnsignedLong(slot.get(INT, OFF_CAPACITY));
        }

        /** One request and its answer; returns the status, with the answer's fields left in the slot. */
        private int call(int op, int arg, long id, byte[] data) {
            slot.set(INT, OFF_OP, op);
            slot.set(INT, OFF_ARG, arg);
            slot.set(LONG, OFF_ID, id);
            int len = data == null ? 0 : data.length;
            slot.set(INT, OFF_LEN, len);
            if (len > 0) {
                MemorySegment.copy(data, 0, slot, ValueLayout.JAVA_BYTE, OFF_DATA, len);
            }
            STATE.setRelease(slot, OFF_STATE, REQUEST);
            awaitAnswer();
            int status = slot.get(INT, OFF_STATUS);
            lastStatus = status;
            return status;
        }

        /** Spins for about 50 µs, then yields until 1 ms, then parks, watching the server's process. */
        private void awaitAnswer() {
            long start = System.nanoTime();
            for (int i = 0; ; i++) {
                int state = (int) STATE.getAcquire(slot, OFF_STATE);
                if (state == RESPONSE) {
                    return;
                }
                if (state == CLOSED) {
                    throw new IllegalStateException("person-shm closed the channel");
                }
                if (i < 2_000) {
                    Thread.onSpinWait();
                    continue;
                }
                long waited = System.nanoTime() - start;
                if (waited > DEADLINE_NANOS || !server.isAlive()) {
                    throw new IllegalStateException("person-shm did not answer (alive: " + server.isAlive() + ")");
                }
                if (waited < 1_000_000) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(20_000);
                }
            }
        }

        /** The answer is read; the slot is the client's again. */
        private void done() {
            STATE.setRelease(slot, OFF_STATE, IDLE);
        }

        private long idCall(int op, int arg, long id, byte[] data) {
            int status = call(op, arg, id, data);
            long answer = slot.get(LONG, OFF_ID);
            done();
            if (status != 0) {
                lastStatus = status == UNKNOWN_ID ? Ffi.NULL_POINTER : status;
                return 0;
            }
            return answer;
        }

        @Override
        public long createPerson(byte[] utf8, int age) {
            return idCall(CREATE, age, 0, utf8);
        }

        @Override
        public long getPersonDetails(long person) {
            return idCall(DETAILS, 0, person, null);
        }

        @Override
        public void freePerson(long person) {
            int status = call(FREE, 0, person, null);
            done();
            if (status != 0) {
                throw new IllegalStateException("person-shm FREE " + person + ": status " + status);
            }
        }

        private String data() {
            int len = slot.get(INT, OFF_LEN);
            byte[] bytes = slot.asSlice(OFF_DATA, len).toArray(ValueLayout.JAVA_BYTE);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        private void read(long person) {
            if (readId == person) {
                return; // persons are immutable and ids never reused: one READ serves name and age
            }
            int status = call(READ, 0, person, null);
            try {
                if (status != 0) {
                    throw new IllegalStateException("person-shm READ " + person + ": status " + status);
                }
                readAge = slot.get(INT, OFF_ARG);
                readName = data();
                readId = person;
            } finally {
                done();
            }
        }

        @Override
        public String name(long person) {
            read(person);
            return readName;
        }

        @Override
        public int age(long person) {
            read(person);
            return readAge;
        }

        @Override
        public RustError errorMessage() {
            int status = call(ERROR, 0, 0, null);
            try {
                return status == 0 ? new RustError(slot.get(INT, OFF_ARG), data()) : null;
            } finally {
                done();
            }
        }

        @Override
        public int lastStatus() {
            return lastStatus;
        }

        @Override
        public long liveAllocations() {
            int status = call(LIVE, 0, 0, null);
            long count = slot.get(LONG, OFF_ID);
            done();
            if (status != 0) {
                throw new IllegalStateException("person-shm LIVE: status " + status);
            }
            return count;
        }

        @Override
        public long maxNameBytes() {
            return capacity;
        }

        @Override
        public String panicMessage() {
            return "(the server caught the panic; see its stderr)";
        }

        @Override
        public RuntimeException fault(RuntimeException failure) {
            if (!server.isAlive()) {
                return new RustPanicException("the shared-memory server died: " + failure.getMessage(), failure);
            }
            return null;
        }

        @Override
        public void close() {
            server.close();
            if (arena.scope().isAlive()) {
                arena.close();
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // A leftover file in /dev/shm is harmless and named for what it is.
            }
        }
    }
}
