package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo model inside the jar: cached once under a content name, opened and generating through the API. */
class DemoModelTest {
    @Test
    void opensAndStreamsTokens() throws IOException {
        List<String> pieces = new ArrayList<>();
        try (Model model = Model.openDemo(ModelOptions.builder().backend(Backend.CPU).threads(1).build());
             Session session = model.newSession(256)) {
            assertEquals("llama", model.gguf().metadata().requireString("general.architecture"));
            GenerationParams params = GenerationParams.builder().maxTokens(8).build();
            session.generate(model.tokenizer().encode("The computer"), params, t -> pieces.add(t.text()));
        }
        assertTrue(!pieces.isEmpty() && pieces.size() <= 8, "tokens: " + pieces);
    }

    @Test
    void theCacheFileIsTheResourceNamedByItsHashAndReused(@TempDir Path cache) throws IOException {
        String before = System.getProperty("sluice.cache.dir");
        System.setProperty("sluice.cache.dir", cache.toString());
        try {
            Path first = DemoModel.path();
            assertEquals(cache, first.getParent());
            assertTrue(first.getFileName().toString().matches("demo-[0-9a-f]{16}\\.gguf"), first.toString());
            try (InputStream resource = DemoModel.class.getResourceAsStream(DemoModel.RESOURCE)) {
                assertArrayEquals(resource.readAllBytes(), Files.readAllBytes(first));
            }
            long written = Files.getLastModifiedTime(first).toMillis();
            assertEquals(first, DemoModel.path());
            assertEquals(written, Files.getLastModifiedTime(first).toMillis(), "the second call reuses the file");
            try (var files = Files.list(cache)) {
                assertEquals(1, files.count(), "no temporary file is left behind");
            }
        } finally {
            if (before == null) {
                System.clearProperty("sluice.cache.dir");
            } else {
                System.setProperty("sluice.cache.dir", before);
            }
        }
    }
}
