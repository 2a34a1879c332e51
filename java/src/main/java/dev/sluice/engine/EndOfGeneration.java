package dev.sluice.engine;

import dev.sluice.tokenizer.TokenType;
import dev.sluice.tokenizer.Vocabulary;
import java.util.BitSet;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The tokens that end a generation: the model's EOS, plus control tokens that end a turn in chat
 * formats (Llama 3's {@code <|eot_id|>} and {@code <|eom_id|>}, ChatML's {@code <|im_end|>}, ...),
 * recognised by their text as llama.cpp does, since GGUF files seldom name them.
 */
final class EndOfGeneration implements IntPredicate {
    private static final Set<String> END_OF_TURN = Set.of(
            "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|im_end|>", "<|endoftext|>", "<|end|>", "<end_of_turn>",
            "</s>");

    private final BitSet ids = new BitSet();

    EndOfGeneration(Vocabulary vocab) {
        if (vocab.eosId() >= 0) {
            ids.set(vocab.eosId());
        }
        for (int id = 0; id < vocab.size(); id++) {
            if (vocab.type(id) == TokenType.CONTROL && END_OF_TURN.contains(vocab.token(id))) {
                ids.set(id);
            }
        }
    }

    @Override
    public boolean test(int token) {
        return ids.get(token);
    }
}
