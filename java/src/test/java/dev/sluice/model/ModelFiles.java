package dev.sluice.model;

import dev.sluice.gguf.GgufFile;
import dev.sluice.gguf.GgufValue;
import dev.sluice.testing.Golden;
import dev.sluice.testing.TinyLlama;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/** Test files for the model package: the golden models, and TinyLlama files with one thing changed. */
final class ModelFiles {
    private ModelFiles() {}

    static Stream<Path> goldenModels() throws IOException {
        return Golden.list("models", ".gguf").stream();
    }

    static GgufFile write(Path dir, Map<String, GgufValue> metadata, Map<String, long[]> shapes) throws IOException {
        return GgufFile.read(TinyLlama.small().write(Files.createTempFile(dir, "model", ".gguf"), metadata, shapes));
    }
}
