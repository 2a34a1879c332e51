package dev.sluice.engine;

/** Which backend runs the forward pass. */
public enum Backend {
    /** The best one available: today the CPU, since the CUDA forward pass is not built yet. */
    AUTO,
    CPU,
    CUDA;

    /** The concrete backend AUTO stands for on this machine. */
    Backend resolve() {
        return this == AUTO ? CPU : this;
    }

    int nativeId() {
        return switch (resolve()) {
            case CPU -> 0;
            case CUDA -> 1;
            case AUTO -> throw new AssertionError("resolved above");
        };
    }
}
