package dev.sluice;

/** The session's KV cache has no room for more tokens: start a new session, truncate it, or open the model with a larger context. */
public class ContextFullException extends SluiceException {
    public ContextFullException(String message) {
        super(message);
    }
}
