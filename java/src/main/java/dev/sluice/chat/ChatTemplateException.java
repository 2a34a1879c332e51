package dev.sluice.chat;

import dev.sluice.SluiceException;

/** A chat template failed to parse or render, or raised an error itself (raise_exception). */
public class ChatTemplateException extends SluiceException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
