package dev.sluice.engine;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-generation token (EOS, end of turn). */
    END_OF_GENERATION,
    /** The text reached one of the stop strings (which is not part of the output). */
    STOP_STRING,
    /** The requested number of tokens was generated. */
    MAX_TOKENS,
    /** The session's KV cache is full. */
    CONTEXT_FULL,
    /** {@link Generation#cancel()} was called. */
    CANCELLED
}
