package dev.sluice.nativeapi;

import dev.sluice.ContextFullException;
import dev.sluice.ModelFormatException;
import dev.sluice.OutOfMemoryException;
import dev.sluice.SluiceException;

/** Java's view of {@code sl_status}, and the one place a status becomes an exception. */
public enum NativeStatus {
    OK,
    INVALID_ARGUMENT,
    IO,
    FORMAT,
    UNSUPPORTED,
    OUT_OF_MEMORY,
    CONTEXT_FULL,
    BACKEND,
    CANCELLED,
    INTERNAL;

    public static NativeStatus of(int code) {
        NativeStatus[] all = values();
        return code >= 0 && code < all.length ? all[code] : INTERNAL;
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
