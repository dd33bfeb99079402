package io.github.rustjava.runtime;

/**
 * The base of a binding's handle: one object Rust owns, freed exactly once by the binding's free
 * function when the handle closes, when its scope or its api closes, or by the api once the
 * handle is found forgotten. A binding's handle class extends it and implements the binding's
 * public interface; its methods call the api with {@link #cell()}.
 */
public abstract class Owned {
    private final ManagedApi.Cell cell; // final: a handle handed to another thread always carries its cell

    /**
     * The handle of the object at {@code address} in {@code slot}, of the binding's {@code kind}
     * (what {@link ManagedApi#free} is told), made in {@code scope} or (null) by the api itself.
     * Call within one of the api's calls.
     */
    protected Owned(ManagedApi.Slot slot, long address, int kind, ManagedApi<?>.Lease scope) {
        this.cell = slot.api.newCell(this, slot, address, kind, scope);
    }

    /** The handle's state, for the api's calls on it. */
    protected final ManagedApi.Cell cell() {
        return cell;
    }
}
