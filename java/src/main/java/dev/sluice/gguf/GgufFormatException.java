package dev.sluice.gguf;

import java.io.IOException;

/** The file is not a well-formed GGUF file; the message names what is wrong and where (offset, key or tensor). */
public class GgufFormatException extends IOException {
    public GgufFormatException(String message) {
        super(message);
    }
}
