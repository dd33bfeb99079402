package io.github.rustjava.kv;

import java.util.Arrays;
import java.util.Optional;

/**
 * A store's numbers, as Rust's {@code KvStats} struct reports them.
 *
 * @param entries how many keys
 * @param keyBytes the bytes of every key together
 * @param valueBytes the bytes of every value together
 * @param lastKey the greatest key (a copy), empty when the store is
 */
public record KvStats(long entries, long keyBytes, long valueBytes, Optional<byte[]> lastKey) {

    public KvStats {
        lastKey = lastKey.map(byte[]::clone);
    }

    /** A copy of the greatest key, or empty. */
    @Override
    public Optional<byte[]> lastKey() {
        return lastKey.map(byte[]::clone);
    }

    /** Equal numbers and an equal last key, compared by its bytes. */
    @Override
    public boolean equals(Object o) {
        return o instanceof KvStats s && entries == s.entries && keyBytes == s.keyBytes && valueBytes == s.valueBytes
                && lastKey.isPresent() == s.lastKey.isPresent()
                && (lastKey.isEmpty() || Arrays.equals(lastKey.get(), s.lastKey.get()));
    }

    @Override
    public int hashCode() {
        return Long.hashCode(entries) * 31 + Long.hashCode(keyBytes) * 17 + Long.hashCode(valueBytes)
                + lastKey.map(Arrays::hashCode).orElse(0);
    }

    @Override
    public String toString() {
        return "KvStats[entries=" + entries + ", keyBytes=" + keyBytes + ", valueBytes=" + valueBytes + ", lastKey="
                + lastKey.map(Arrays::toString).orElse("none") + "]";
    }
}
