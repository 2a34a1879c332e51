package dev.sluice.tokenizer;

/** The kind of a vocabulary entry, as GGUF's {@code tokenizer.ggml.token_type} numbers it (1..6). */
public enum TokenType {
    NORMAL,
    UNKNOWN,
    CONTROL,
    USER_DEFINED,
    UNUSED,
    BYTE;

    /** Maps GGUF's 1-based code; anything else (0 is "undefined") is read as a normal token. */
    public static TokenType fromGguf(int code) {
        return code >= 1 && code <= values().length ? values()[code - 1] : NORMAL;
    }

    /** Tokens that are matched as whole strings in the input before the model's algorithm runs. */
    boolean isSpecial() {
        return this == CONTROL || this == USER_DEFINED || this == UNKNOWN;
    }
}
