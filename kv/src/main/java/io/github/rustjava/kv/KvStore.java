package io.github.rustjava.kv;

import java.util.Optional;

/**
 * One store, a Rust {@code BTreeMap<Vec<u8>, Vec<u8>>} that lives across calls until
 * {@link #close()} frees it. Keys and values are copied in and out: no array given or returned is
 * shared with the store. Keys are ordered as unsigned bytes.
 *
 * <p>Every method throws {@link NullPointerException} for a null argument, {@link
 * IllegalArgumentException} for arguments larger than the module's memory can take, and {@link
 * IllegalStateException} once the store or its api is closed, or after a fault lost the store.
 * A refused argument changes nothing in the store or in Rust's memory.
 */
public interface KvStore extends AutoCloseable {

    /** Stores a copy of {@code value} under {@code key}; true if it replaced a value. */
    boolean put(byte[] key, byte[] value);

    /** A copy of the value under {@code key}, or empty. */
    Optional<byte[]> get(byte[] key);

    /** Removes {@code key}; true if it was there. */
    boolean delete(byte[] key);

    /**
     * Calls {@code visitor} with each entry whose key is in {@code [from, to)}, in order, until it
     * returns false. Returns how many entries it was called with.
     *
     * <p>The visitor runs inside the Rust call: it may not use this store or its api (refused
     * with {@link IllegalStateException}, which then ends the scan like any exception). What it
     * throws reaches the caller as itself.
     */
    long scan(byte[] from, byte[] to, KvVisitor visitor);

    /** As {@link #scan(byte[], byte[], KvVisitor)}, with no end: every key from {@code from} on. */
    long scanFrom(byte[] from, KvVisitor visitor);

    /** The store's numbers, and its greatest key. */
    KvStats stats();

    /**
     * Every entry as bytes {@link #importFrom(byte[])} reads back, into this or another store, of
     * this api or another.
     */
    byte[] export();

    /**
     * Puts every entry of {@code export} into this store (a key already here gets the export's
     * value); all or nothing. Returns how many entries.
     *
     * @throws IllegalArgumentException if the bytes are not an export; the message is Rust's, and
     *     says where and why
     */
    int importFrom(byte[] export);

    /** Frees the store. Idempotent; throws nothing, unless called from inside its own scan. */
    @Override
    void close();
}
