package dev.sluice.engine;

import dev.sluice.nativeapi.NativeDevices;

/** Which backend runs the forward pass. */
public enum Backend {
    /** CUDA when a usable GPU and driver are present, else the CPU. */
    AUTO,
    CPU,
    CUDA;

    /** The concrete backend AUTO stands for on this machine. */
    public Backend resolve() {
        if (this != AUTO) {
            return this;
        }
        return NativeDevices.cudaUnavailableReason().isEmpty() ? CUDA : CPU;
    }

    int nativeId() {
        return switch (this) {
            case CPU -> 0;
            case CUDA -> 1;
            case AUTO -> throw new IllegalStateException("resolve AUTO to a concrete backend first");
        };
    }
}
