package dev.sluice.convert;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code export.json}, written by {@code scripts/train_demo_model.py}: a trained Llama's hyperparameters,
 * SentencePiece vocabulary and descriptive metadata, and where each float32 tensor lies in {@code export.bin}.
 * Tensor names and shapes are already GGUF's.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExportManifest(
        String format,
        String name,
        String description,
        String corpus,
        String corpusLicense,
        Hyperparameters hyperparameters,
        Vocab tokenizer,
        List<Tensor> tensors) {

    static final String FORMAT = "sluice-export-1";

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Hyperparameters(int vocab, int embd, int layers, int heads, int kvHeads, int ff, int contextLength,
                                  float ropeFreqBase, float rmsEps) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Vocab(String model, List<String> tokens, float[] scores, int[] tokenTypes, int bosId, int eosId,
                        int unknownId, boolean addBos, boolean addSpacePrefix, String chatTemplate) {}

    /** One tensor: GGUF dimension order (innermost first), {@code offset} in bytes into export.bin. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Tensor(String name, long[] shape, long offset) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    public static ExportManifest read(Path file) throws IOException {
        ExportManifest m = new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .readValue(file.toFile(), ExportManifest.class);
        if (!FORMAT.equals(m.format())) {
            throw new IOException(file + " is not a " + FORMAT + " manifest (format: " + m.format() + ")");
        }
        return m;
    }
}
