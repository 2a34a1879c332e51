package dev.sluice.engine;

import dev.sluice.CacheDir;
import dev.sluice.SluiceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The demo model inside the jar ({@code dev/sluice/demo/demo.gguf}). Models are memory-mapped by the
 * native loader, so the resource is copied once to a cache file named by its SHA-256 (a new jar's model
 * never collides with an old one), written to a temporary file and moved into place atomically (two
 * processes starting at once both end with a complete file).
 */
public final class DemoModel {
    static final String RESOURCE = "/dev/sluice/demo/demo.gguf";

    private DemoModel() {}

    /** Whether this jar has the demo model. */
    public static boolean available() {
        return DemoModel.class.getResource(RESOURCE) != null;
    }

    /**
     * The demo model as a file: the cached copy in {@link CacheDir}, made now if absent.
     */
    public static Path path() throws IOException {
        byte[] model = read();
        Path dir = CacheDir.path();
        Path file = dir.resolve("demo-" + HexFormat.of().formatHex(sha256(model), 0, 8) + ".gguf");
        if (Files.isRegularFile(file) && Files.size(file) == model.length) {
            return file;
        }
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, "demo-", ".part");
        try {
            Files.write(partial, model);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
        return file;
    }

    private static byte[] read() throws IOException {
        try (InputStream in = DemoModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new SluiceException("this build of Sluice has no demo model (resource " + RESOURCE
                        + " is missing); name a model with -m");
            }
            return in.readAllBytes();
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
