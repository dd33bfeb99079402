package io.github.rustjava.person.routes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A route's server process: started with a pipe on its stdin, ready once it prints its first line.
 * The servers exit when stdin closes, so a JVM that dies never leaves one running.
 */
final class RouteProcess implements AutoCloseable {

    private static final long START_TIMEOUT_SECONDS = 20;

    private final Process process;
    private final String firstLine;

    private RouteProcess(Process process, String firstLine) {
        this.process = process;
        this.firstLine = firstLine;
    }

    /** Starts {@code command} and waits for its first stdout line, which must start with {@code ready}. */
    static RouteProcess start(List<String> command, String ready) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0) + " (run `make routes`)", e);
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        try {
            line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException(command.get(0) + " did not start", e);
        }
        if (line == null || !line.startsWith(ready)) {
            process.destroyForcibly();
            throw new IllegalStateException(command.get(0) + " did not say '" + ready + "' but: " + line);
        }
        return new RouteProcess(process, line);
    }

    String firstLine() {
        return firstLine;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Closes stdin, which stops the server, and waits for it; a server that hangs is killed. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
