package dev.sluice.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Cuts text at occurrences of special tokens, longest token text first, as llama.cpp does. Control
 * and unknown tokens are only recognised when special parsing is on; user-defined tokens always are.
 */
final class SpecialTokenSplitter {
    /** A piece of the input: a token id found verbatim, or a span of ordinary text ({@code token == -1}). */
    record Fragment(int token, int start, int end) {
        boolean isText() {
            return token < 0;
        }
    }

    private final Vocabulary vocab;
    private final int[] specialsLongestFirst;

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        this.specialsLongestFirst = IntStream.range(0, vocab.size())
                .filter(id -> vocab.type(id).isSpecial() && !vocab.token(id).isEmpty())
                .boxed()
                .sorted(Comparator.comparingInt((Integer id) -> vocab.token(id).length()).reversed())
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /** The text's fragments in order; empty text has none (so not even SentencePiece's dummy prefix is added). */
    List<Fragment> split(String text, boolean parseSpecial) {
        if (text.isEmpty()) {
            return List.of();
        }
        List<Fragment> fragments = new ArrayList<>(List.of(new Fragment(-1, 0, text.length())));
        for (int id : specialsLongestFirst) {
            if (parseSpecial || vocab.type(id) == TokenType.USER_DEFINED) {
                fragments = cut(text, fragments, id);
            }
        }
        return fragments;
    }

    private List<Fragment> cut(String text, List<Fragment> fragments, int id) {
        String special = vocab.token(id);
        List<Fragment> out = null;
        for (int f = 0; f < fragments.size(); f++) {
            Fragment fragment = fragments.get(f);
            int at = fragment.isText() ? text.indexOf(special, fragment.start(), fragment.end()) : -1;
            if (at < 0) {
                if (out != null) {
                    out.add(fragment);
                }
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(fragments.subList(0, f));
            }
            int from = fragment.start();
            for (; at >= 0; at = text.indexOf(special, from, fragment.end())) {
                if (at > from) {
                    out.add(new Fragment(-1, from, at));
                }
                out.add(new Fragment(id, at, at + special.length()));
                from = at + special.length();
            }
            if (from < fragment.end()) {
                out.add(new Fragment(-1, from, fragment.end()));
            }
        }
        return out == null ? fragments : out;
    }
}
