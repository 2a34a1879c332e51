package dev.sluice;

/**
 * Base of every failure Sluice reports: bad input, native errors (with the native message), device
 * errors. Unchecked, like {@link java.io.UncheckedIOException}; the subclasses name the cases a caller
 * may want to handle.
 */
public class SluiceException extends RuntimeException {
    public SluiceException(String message) {
        super(message);
    }

    public SluiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
