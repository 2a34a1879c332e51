package dev.sluice.tokenizer;

/** A tokenization algorithm applied to ordinary text (special tokens already cut out). */
interface FragmentEncoder {
    /** Appends the ids of {@code text} to {@code out}. */
    void encode(String text, IntList out);
}
