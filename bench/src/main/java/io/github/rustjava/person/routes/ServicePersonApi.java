package io.github.rustjava.person.routes;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.RustError;
import io.github.rustjava.person.RustPanicException;
import io.github.rustjava.person.internal.Ffi;
import io.github.rustjava.person.internal.Operations;
import io.github.rustjava.person.internal.ManagedPersonApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The write-up's first route, "a Rust service behind an interface": the Person API served over
 * HTTP/1.1 on loopback by {@code bench/routes/person-service}, called with the JDK's {@link
 * HttpClient} (keep-alive, TCP_NODELAY). A person is a server-side object named by an id, so
 * ownership stays explicit: {@code close()} sends {@code DELETE}.
 *
 * <p>{@code liveAllocations()} counts the persons the server holds, not heap blocks: the server's
 * allocator also counts its own buffers (see the route's README).
 */
public final class ServicePersonApi {
    private ServicePersonApi() {}

    /** Starts a server from {@code binary} on a free loopback port; a fresh one replaces it after a failure. */
    public static PersonApi open(Path binary) {
        return ManagedPersonApi.openBackend(() -> new Service(binary));
    }

    private static final class Service implements Operations {
        private static final String LISTENING = "listening on ";
        private static final long MAX_NAME_BYTES = 16L * 1024 * 1024 - 64;

        private final RouteProcess server;
        private final HttpClient http;
        private final URI base;
        private int lastStatus;
        // GET /person/{id} answers name and age at once; persons are immutable and ids never
        // reused, so the last answer serves both name() and age().
        private long readId;
        private int readAge;
        private String readName;

        Service(Path binary) {
            server = RouteProcess.start(List.of(binary.toString(), "0"), LISTENING);
            base = URI.create("http://" + server.firstLine().substring(LISTENING.length()).trim());
            http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        }

        private HttpResponse<byte[]> send(HttpRequest.Builder request) {
            try {
                return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while calling the Rust service", e);
            }
        }

        private HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(base.resolve(path));
        }

        private static String text(HttpResponse<byte[]> response) {
            return new String(response.body(), StandardCharsets.UTF_8);
        }

        /** An id from a 200 answer, or 0 with {@link #lastStatus} from the answer's word. */
        private long id(HttpResponse<byte[]> response) {
            if (response.statusCode() == 200) {
                lastStatus = Ffi.OK;
                return Long.parseLong(text(response).trim());
            }
            lastStatus = status(text(response).trim());
            return 0;
        }

        private static int status(String word) {
            switch (word) {
                case "InvalidUtf8":
                case "NulInName":
                    return Ffi.INVALID_UTF8;
                case "UnderAge":
                    return Ffi.UNDER_AGE;
                case "AgeOverflow":
                    return Ffi.AGE_OVERFLOW;
                case "Panic":
                    return Ffi.PANIC;
                case "TooLarge":
                    return Ffi.OUT_OF_MEMORY;
                default:
                    return Ffi.NULL_POINTER; // UnknownId, BadRequest: the api reports them as such
            }
        }

        @Override
        public long createPerson(byte[] utf8, int age) {
            return id(send(request("/person?age=" + age).POST(HttpRequest.BodyPublishers.ofByteArray(utf8))));
        }

        @Override
        public long getPersonDetails(long person) {
            return id(send(request("/person/" + person + "/details").POST(HttpRequest.BodyPublishers.noBody())));
        }

        @Override
        public void freePerson(long person) {
            HttpResponse<byte[]> r = send(request("/person/" + person).DELETE());
            if (r.statusCode() != 204) {
                throw new IllegalStateException("DELETE /person/" + person + ": " + r.statusCode() + " " + text(r));
            }
        }

        private void read(long person) {
            if (readId == person) {
                return;
            }
            HttpResponse<byte[]> r = send(request("/person/" + person).GET());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET /person/" + person + ": " + r.statusCode() + " " + text(r));
            }
            byte[] body = r.body();
            int newline = 0;
            while (body[newline] != '\n') {
                newline++;
            }
            readAge = Integer.parseInt(new String(body, 0, newline, StandardCharsets.US_ASCII));
            readName = new String(body, newline + 1, body.length - newline - 1, StandardCharsets.UTF_8);
            readId = person;
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
            String body = text(send(request("/error").GET()));
            int newline = body.indexOf('\n');
            return new RustError(Integer.parseInt(body.substring(0, newline)), body.substring(newline + 1));
        }

        @Override
        public int lastStatus() {
            return lastStatus;
        }

        @Override
        public long liveAllocations() {
            return Long.parseLong(text(send(request("/live").GET())).trim());
        }

        @Override
        public long maxNameBytes() {
            return MAX_NAME_BYTES;
        }

        @Override
        public String panicMessage() {
            return "(the service caught the panic; see its stderr)";
        }

        @Override
        public RuntimeException fault(RuntimeException failure) {
            if (failure instanceof UncheckedIOException || !server.isAlive()) {
                return new RustPanicException("the Rust service failed: " + failure.getMessage(), failure);
            }
            return null;
        }

        @Override
        public void close() {
            http.close();
            server.close();
        }
    }
}
