package dev.sluice.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Text ↔ token ids for one vocabulary, with llama.cpp's semantics: special tokens found in the text
 * become single ids when special parsing is on, BOS is prepended when asked, and the model's
 * algorithm (SentencePiece or BPE) encodes the ordinary text between them. Thread-safe.
 */
public final class Tokenizer {
    private final Vocabulary vocab;
    private final SpecialTokenSplitter specials;
    private final FragmentEncoder encoder;
    /** SentencePiece's dummy prefix: a space before the text at the start and after each special token. */
    private final boolean dummyPrefix;
    private final byte[][] pieces;

    private Tokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.specials = new SpecialTokenSplitter(vocab);
        boolean sentencePiece = vocab.kind() == TokenizerKind.SENTENCEPIECE;
        this.encoder = sentencePiece ? new SpmEncoder(vocab) : new BpeEncoder(vocab);
        this.dummyPrefix = sentencePiece && vocab.addSpacePrefix();
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < vocab.size(); id++) {
            pieces[id] = pieceBytes(id);
        }
    }

    public static Tokenizer of(Vocabulary vocab) {
        return new Tokenizer(vocab);
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    /** Encodes with the model's defaults, as llama.cpp's llama-tokenize does: BOS if the model adds it, specials parsed. */
    public int[] encode(String text) {
        return encode(text, vocab.addBos(), true);
    }

    /**
     * @param addBos       prepend BOS (whatever the model's own preference)
     * @param parseSpecial turn control-token text such as {@code <|eot_id|>} into its id; when off it is
     *                     tokenized as plain text (user-defined tokens are always matched)
     */
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        IntList out = new IntList();
        if (addBos) {
            if (vocab.bosId() < 0) {
                throw new IllegalArgumentException("cannot add BOS: this vocabulary has no BOS token");
            }
            out.add(vocab.bosId());
        }
        boolean afterSpecial = true;
        for (SpecialTokenSplitter.Fragment fragment : specials.split(text, parseSpecial)) {
            if (fragment.isText()) {
                String span = text.substring(fragment.start(), fragment.end());
                encoder.encode(dummyPrefix && afterSpecial ? " " + span : span, out);
                afterSpecial = false;
            } else {
                out.add(fragment.token());
                afterSpecial = true;
            }
        }
        return out.toArray();
    }

    /** Decodes ids to text; control tokens (BOS, EOS, chat markers) are left out. */
    public String decode(int[] tokens) {
        return decode(tokens, false);
    }

    public String decode(int[] tokens, boolean renderSpecial) {
        StreamDecoder decoder = streamDecoder(renderSpecial);
        StringBuilder text = new StringBuilder();
        for (int token : tokens) {
            text.append(decoder.accept(token));
        }
        return text.append(decoder.finish()).toString();
    }

    /** A decoder for one generated sequence, emitting only complete characters as tokens arrive. */
    public StreamDecoder streamDecoder(boolean renderSpecial) {
        return new StreamDecoder(this, renderSpecial, dummyPrefix);
    }

    /** The bytes a token stands for (control tokens: their text only when {@code renderSpecial}). */
    public byte[] tokenBytes(int token, boolean renderSpecial) {
        if (token < 0 || token >= vocab.size()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + vocab.size() + " tokens");
        }
        return vocab.type(token) == TokenType.CONTROL && !renderSpecial ? new byte[0] : pieces[token].clone();
    }

    boolean isControl(int token) {
        return vocab.type(token) == TokenType.CONTROL;
    }

    private byte[] pieceBytes(int id) {
        String text = vocab.token(id);
        return switch (vocab.type(id)) {
            case NORMAL -> vocab.kind() == TokenizerKind.SENTENCEPIECE
                    ? text.replace(SpmEncoder.SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8)
                    : ByteUnicode.decode(text);
            case BYTE -> byteTokenValue(text);
            case UNUSED -> new byte[0];
            case CONTROL, USER_DEFINED, UNKNOWN -> text.getBytes(StandardCharsets.UTF_8);
        };
    }

    /** {@code <0xXX>} → the byte; a byte token spelled otherwise stands for its own text. */
    private static byte[] byteTokenValue(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(text.substring(3, 5).toUpperCase(Locale.ROOT), 16)};
            } catch (NumberFormatException e) {
                // falls through: not a hex byte token
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
