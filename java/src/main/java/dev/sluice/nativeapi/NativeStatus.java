package dev.sluice.nativeapi;

import dev.sluice.ContextFullException;
import dev.sluice.ModelFormatException;
import dev.sluice.OutOfMemoryException;
import dev.sluice.SluiceException;

/** Java's view of {@code sl_status} (codes as sluice.h numbers them), and the one place a status becomes an exception. */
public enum NativeStatus {
    OK(0),
    INVALID_ARGUMENT(1),
    IO(2),
    FORMAT(3),
    UNSUPPORTED(4),
    OUT_OF_MEMORY(5),
    CONTEXT_FULL(6),
    BACKEND(7),
    CANCELLED(8),
    INTERNAL(9);

    private final int code;

    NativeStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The status of a code; a code this version does not know is an internal error. */
    public static NativeStatus of(int code) {
        for (NativeStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return INTERNAL;
    }

    /** Throws the exception for a failed status, carrying the native message of this thread. */
    public static void check(int code) {
        if (code == 0) {
            return;
        }
        NativeStatus status = of(code);
        String message = SluiceNative.sl_last_error();
        if (message == null || message.isEmpty()) {
            message = SluiceNative.sl_status_name(code);
        }
        throw switch (status) {
            case FORMAT, UNSUPPORTED -> new ModelFormatException(message);
            case OUT_OF_MEMORY -> new OutOfMemoryException(message);
            case CONTEXT_FULL -> new ContextFullException(message);
            default -> new SluiceException(status.name().toLowerCase().replace('_', ' ') + ": " + message);
        };
    }
}
