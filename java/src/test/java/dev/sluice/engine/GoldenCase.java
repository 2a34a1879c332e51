package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.testing.Golden;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One golden logits case ({@code logits/NAME.json} of {@link Golden}'s sets): the model, the token ids (prompt then
 * greedy continuation), llama.cpp's distance from the float64 reference, and the reference rows.
 */
record GoldenCase(String name, Path model, int[] tokens, int promptTokens, double llamaCppRelErr,
                  double llamaCppArgmaxAgreement, Path referenceNpy) {

    static List<GoldenCase> all() {
        return Golden.list("logits", ".json").stream().map(GoldenCase::read).toList();
    }

    static GoldenCase read(Path json) {
        try {
            JsonNode n = new ObjectMapper().readTree(json.toFile());
            String file = json.getFileName().toString();
            String name = file.substring(0, file.length() - ".json".length());
            int[] tokens = new int[n.get("tokens").size()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = n.get("tokens").get(i).asInt();
            }
            return new GoldenCase(name, Golden.file(n.get("model").asText()), tokens,
                    n.get("n_prompt_tokens").asInt(), n.get("llamacpp_vs_ref64_relerr_max").asDouble(),
                    n.get("llamacpp_vs_ref64_argmax_agreement").asDouble(),
                    json.resolveSibling(name + ".ref64.npy"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The reference logits, [tokens.length][nVocab], from a little-endian float32 .npy file. */
    float[][] referenceRows() throws IOException {
        byte[] bytes = Files.readAllBytes(referenceNpy);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Short.toUnsignedInt(b.getShort(8));
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
            throw new IOException(referenceNpy + ": expected C-order float32, header " + header);
        }
        String shape = header.replaceAll("(?s).*'shape': \\((\\d+), (\\d+)\\).*", "$1 $2");
        String[] dims = shape.split(" ");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        b.position(10 + headerLength);
        float[][] out = new float[rows][cols];
        for (float[] row : out) {
            b.asFloatBuffer().get(row);
            b.position(b.position() + cols * Float.BYTES);
        }
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
