package dev.sluice.engine;

/**
 * One generated token and the text it releases. The text can be empty: bytes of a character split
 * across tokens, or text that may be the start of a stop string, are held until they are settled.
 */
public record GeneratedToken(int id, String text) {}
