package dev.sluice.tokenizer;

/** The tokenization algorithm a vocabulary uses, from GGUF's {@code tokenizer.ggml.model}. */
public enum TokenizerKind {
    /** Llama-2 SentencePiece: score-driven merges, dummy-prefix space, byte-fallback tokens. */
    SENTENCEPIECE("llama"),
    /** Llama-3 byte-level BPE: regex pre-tokenizer, GPT-2 byte mapping, rank-ordered merges. */
    BPE("gpt2");

    private final String ggufName;

    TokenizerKind(String ggufName) {
        this.ggufName = ggufName;
    }

    public String ggufName() {
        return ggufName;
    }

    static TokenizerKind fromGguf(String name) {
        for (TokenizerKind kind : values()) {
            if (kind.ggufName.equals(name)) {
                return kind;
            }
        }
        throw new dev.sluice.ModelFormatException("tokenizer.ggml.model '" + name
                + "' is not supported; Sluice reads 'llama' (SentencePiece) and 'gpt2' (BPE) vocabularies");
    }
}
