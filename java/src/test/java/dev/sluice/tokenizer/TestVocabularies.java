package dev.sluice.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Small hand-made vocabularies whose expected tokenizations can be worked out on paper. */
final class TestVocabularies {
    private TestVocabularies() {}

    /** One token: text, SentencePiece score, type. */
    record Entry(String text, float score, TokenType type) {
        static Entry normal(String text, float score) {
            return new Entry(text, score, TokenType.NORMAL);
        }
    }

    /**
     * SentencePiece: 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>}, 3..258 the byte tokens
     * {@code <0x00>}..{@code <0xFF>}, then {@code extra} from id 259.
     */
    static Vocabulary sentencePiece(boolean addSpacePrefix, List<Entry> extra) {
        List<Entry> entries = new ArrayList<>(List.of(
                new Entry("<unk>", 0, TokenType.UNKNOWN),
                new Entry("<s>", 0, TokenType.CONTROL),
                new Entry("</s>", 0, TokenType.CONTROL)));
        for (int b = 0; b < 256; b++) {
            entries.add(new Entry(String.format(Locale.ROOT, "<0x%02X>", b), 0, TokenType.BYTE));
        }
        entries.addAll(extra);
        return build(TokenizerKind.SENTENCEPIECE, entries, List.of(), 1, addSpacePrefix);
    }

    static final int SPM_FIRST_EXTRA = 259;

    static int byteToken(int b) {
        return 3 + b;
    }

    /** Byte-level BPE (texts already in GPT-2's byte mapping), BOS = the first CONTROL entry if any. */
    static Vocabulary bpe(List<Entry> entries, List<String> merges) {
        int bos = -1;
        for (int i = 0; i < entries.size() && bos < 0; i++) {
            bos = entries.get(i).type() == TokenType.CONTROL ? i : -1;
        }
        return build(TokenizerKind.BPE, entries, merges, bos, false);
    }

    private static Vocabulary build(TokenizerKind kind, List<Entry> entries, List<String> merges, int bos, boolean space) {
        float[] scores = new float[entries.size()];
        TokenType[] types = new TokenType[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            scores[i] = entries.get(i).score();
            types[i] = entries.get(i).type();
        }
        boolean spm = kind == TokenizerKind.SENTENCEPIECE;
        return new Vocabulary(kind, spm ? "default" : "llama-bpe", entries.stream().map(Entry::text).toList(),
                scores, types, merges, bos, -1, spm ? 0 : -1, bos >= 0, space);
    }
}
