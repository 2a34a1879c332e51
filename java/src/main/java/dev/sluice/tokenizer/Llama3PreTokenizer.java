package dev.sluice.tokenizer;

import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Llama-3's pre-tokenizer ({@code llama-bpe}): splits text into words that BPE merges never cross.
 * In order of preference: English contractions (any case), a letter run with at most one leading
 * non-letter/non-digit, 1–3 digits, a punctuation run with an optional leading space and trailing
 * newlines, whitespace ending in newlines, whitespace not followed by a non-space, other whitespace.
 * Every alternative advances linearly, so a long run of any one class costs linear time.
 */
final class Llama3PreTokenizer {
    private static final Pattern WORD = Pattern.compile(
            "'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])"
                    + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                    + "|\\p{N}{1,3}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+"
                    + "|\\s+(?!\\S)"
                    + "|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private Llama3PreTokenizer() {}

    static void split(String text, Consumer<String> words) {
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            words.accept(m.group());
        }
    }
}
