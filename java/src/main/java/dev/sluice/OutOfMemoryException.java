package dev.sluice;

/** Host or device memory ran out; the message says which and what to lower (context, VRAM budget, batch). */
public class OutOfMemoryException extends SluiceException {
    public OutOfMemoryException(String message) {
        super(message);
    }
}
