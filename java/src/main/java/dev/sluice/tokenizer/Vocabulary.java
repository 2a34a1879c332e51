package dev.sluice.tokenizer;

import dev.sluice.ModelFormatException;
import java.util.List;

/**
 * Everything a tokenizer needs from a model's metadata. Token ids are indexes into {@code tokens};
 * {@code scores} and {@code types} run parallel to it. {@code merges} ("left right", best rank
 * first) is used by BPE only. A special id is -1 when the model has none.
 */
public record Vocabulary(
        TokenizerKind kind,
        String preTokenizer,
        List<String> tokens,
        float[] scores,
        TokenType[] types,
        List<String> merges,
        int bosId,
        int eosId,
        int unknownId,
        boolean addBos,
        boolean addSpacePrefix) {

    public Vocabulary {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        if (tokens.isEmpty()) {
            throw new ModelFormatException("the vocabulary has no tokens (tokenizer.ggml.tokens is empty)");
        }
        if (scores.length != tokens.size() || types.length != tokens.size()) {
            throw new ModelFormatException("tokenizer.ggml.scores (" + scores.length + ") and token_type ("
                    + types.length + ") must have one entry per token (" + tokens.size() + ")");
        }
        checkId("bos", bosId, tokens.size());
        checkId("eos", eosId, tokens.size());
        checkId("unknown", unknownId, tokens.size());
        if (addBos && bosId < 0) {
            throw new ModelFormatException("the model asks for a BOS token but names no tokenizer.ggml.bos_token_id");
        }
    }

    private static void checkId(String name, int id, int size) {
        if (id < -1 || id >= size) {
            throw new ModelFormatException("tokenizer.ggml." + name + "_token_id " + id
                    + " is outside the vocabulary of " + size + " tokens");
        }
    }

    public int size() {
        return tokens.size();
    }

    public String token(int id) {
        return tokens.get(id);
    }

    public TokenType type(int id) {
        return types[id];
    }
}
