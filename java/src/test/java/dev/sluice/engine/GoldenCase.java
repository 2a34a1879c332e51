package dev.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * One golden logits case of {@code ../shared/golden/logits}: the model, the token ids (prompt then
 * greedy continuation), llama.cpp's distance from the float64 reference, and the reference rows.
 */
record GoldenCase(String name, Path model, int[] tokens, int promptTokens, double llamaCppRelErr,
                  double llamaCppArgmaxAgreement, Path referenceNpy) {

    static Path goldenDir() {
        return Path.of(System.getProperty("sluice.golden", "../shared/golden"));
    }

    static List<GoldenCase> all() throws IOException {
        try (Stream<Path> files = Files.list(goldenDir().resolve("logits"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().map(GoldenCase::read).toList();
        }
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
            return new GoldenCase(name, goldenDir().resolve(n.get("model").asText()), tokens,
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
