package dev.sluice.engine;

import dev.sluice.tokenizer.Tokenizer;
import dev.sluice.tokenizer.Vocabulary;

/** Tokenizes text rendered by a chat template: special tokens parsed, BOS added once. */
final class PromptTokens {
    private PromptTokens() {}

    /** Templates such as Llama 3's write the BOS text themselves; adding the BOS id again would double it. */
    static int[] of(Tokenizer tokenizer, String rendered) {
        Vocabulary v = tokenizer.vocabulary();
        boolean templateHasBos = v.bosId() >= 0 && rendered.startsWith(v.token(v.bosId()));
        return tokenizer.encode(rendered, v.addBos() && !templateHasBos, true);
    }
}
