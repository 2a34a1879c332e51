package dev.sluice.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Cuts text at occurrences of special tokens with llama.cpp's precedence: longest token text first,
 * each taken left to right where it does not overlap a longer one already cut out. Control and
 * unknown tokens are only recognised when special parsing is on; user-defined tokens always are.
 * One pass over the text with a trie finds every occurrence, so the cost does not grow with the
 * number of special tokens (Llama-3 has 256).
 */
final class SpecialTokenSplitter {
    /** A piece of the input: a token id found verbatim, or a span of ordinary text ({@code token == -1}). */
    record Fragment(int token, int start, int end) {
        boolean isText() {
            return token < 0;
        }
    }

    /** Trie over special-token texts; {@code precedence} indexes {@link #specialsLongestFirst} where a text ends. */
    private static final class Node {
        final Map<Character, Node> children = new HashMap<>();
        int precedence = -1;
    }

    private final Vocabulary vocab;
    private final int[] specialsLongestFirst;
    private final Node root = new Node();
    private final boolean[] startsASpecial = new boolean[Character.MAX_VALUE + 1];

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        this.specialsLongestFirst = IntStream.range(0, vocab.size())
                .filter(id -> vocab.type(id).isSpecial() && !vocab.token(id).isEmpty())
                .boxed()
                .sorted(Comparator.comparingInt((Integer id) -> vocab.token(id).length()).reversed())
                .mapToInt(Integer::intValue)
                .toArray();
        for (int precedence = 0; precedence < specialsLongestFirst.length; precedence++) {
            String text = vocab.token(specialsLongestFirst[precedence]);
            startsASpecial[text.charAt(0)] = true;
            Node node = root;
            for (int i = 0; i < text.length(); i++) {
                node = node.children.computeIfAbsent(text.charAt(i), c -> new Node());
            }
            if (node.precedence < 0) {
                node.precedence = precedence;
            }
        }
    }

    /** The text's fragments in order; empty text has none (so not even SentencePiece's dummy prefix is added). */
    List<Fragment> split(String text, boolean parseSpecial) {
        if (text.isEmpty()) {
            return List.of();
        }
        List<Fragment> cuts = new ArrayList<>();
        boolean[] taken = new boolean[text.length()];
        IntList[] occurrences = findOccurrences(text, parseSpecial);
        for (int precedence = 0; precedence < occurrences.length; precedence++) {
            if (occurrences[precedence] != null) {
                cut(occurrences[precedence].toArray(), specialsLongestFirst[precedence], taken, cuts);
            }
        }
        return withTextBetween(text, cuts);
    }

    /** Start positions of each special token's occurrences, ascending, indexed by precedence. */
    private IntList[] findOccurrences(String text, boolean parseSpecial) {
        IntList[] occurrences = new IntList[specialsLongestFirst.length];
        for (int start = 0; start < text.length(); start++) {
            if (!startsASpecial[text.charAt(start)]) {
                continue;
            }
            Node node = root;
            for (int i = start; i < text.length() && (node = node.children.get(text.charAt(i))) != null; i++) {
                if (node.precedence >= 0 && recognised(specialsLongestFirst[node.precedence], parseSpecial)) {
                    if (occurrences[node.precedence] == null) {
                        occurrences[node.precedence] = new IntList();
                    }
                    occurrences[node.precedence].add(start);
                }
            }
        }
        return occurrences;
    }

    private boolean recognised(int id, boolean parseSpecial) {
        return parseSpecial || vocab.type(id) == TokenType.USER_DEFINED;
    }

    /** Takes the occurrences that overlap neither an earlier one of the same token nor a longer token's. */
    private void cut(int[] starts, int id, boolean[] taken, List<Fragment> cuts) {
        int length = vocab.token(id).length();
        int previousEnd = 0;
        for (int start : starts) {
            int end = start + length;
            if (start < previousEnd || anyTaken(taken, start, end)) {
                continue;
            }
            Arrays.fill(taken, start, end, true);
            cuts.add(new Fragment(id, start, end));
            previousEnd = end;
        }
    }

    private static boolean anyTaken(boolean[] taken, int start, int end) {
        for (int i = start; i < end; i++) {
            if (taken[i]) {
                return true;
            }
        }
        return false;
    }

    private static List<Fragment> withTextBetween(String text, List<Fragment> cuts) {
        cuts.sort(Comparator.comparingInt(Fragment::start));
        List<Fragment> fragments = new ArrayList<>(2 * cuts.size() + 1);
        int position = 0;
        for (Fragment cut : cuts) {
            if (cut.start() > position) {
                fragments.add(new Fragment(-1, position, cut.start()));
            }
            fragments.add(cut);
            position = cut.end();
        }
        if (position < text.length()) {
            fragments.add(new Fragment(-1, position, text.length()));
        }
        return fragments;
    }
}
