package io.github.rustjava.kv;

/** Called by {@link KvStore#scan} with each entry, in key order. */
@FunctionalInterface
public interface KvVisitor {
    /**
     * One entry: copies of its key and value, the caller's to keep.
     *
     * @return true to go on, false to stop the scan
     */
    boolean visit(byte[] key, byte[] value);
}
