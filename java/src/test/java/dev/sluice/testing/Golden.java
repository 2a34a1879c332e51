package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The golden data (tests/golden/README.md): the subset in the repository ({@code tests/golden}), always
 * read, and the full set ({@code ../shared/golden}), read as well when it is there. A file in both is
 * read from the subset. Without the full set, one line says so and its extra cases are not run.
 */
public final class Golden {
    private static final Path SUBSET = Path.of(System.getProperty("sluice.golden.subset", "tests/golden"));
    private static final Path FULL = Path.of(System.getProperty("sluice.golden", "../shared/golden"));
    private static final boolean FULL_PRESENT = Files.isDirectory(FULL);

    static {
        if (!FULL_PRESENT && !Boolean.getBoolean("sluice.golden.quiet")) {
            System.out.println("golden: no full set at " + FULL.toAbsolutePath().normalize()
                    + "; testing with the in-repository subset (" + SUBSET + ") only");
        }
    }

    private Golden() {}

    /** Whether a file (e.g. {@code tokenizer/llama3-vocab.gguf}) is in either set. */
    public static boolean has(String relative) {
        return Files.exists(SUBSET.resolve(relative)) || FULL_PRESENT && Files.exists(FULL.resolve(relative));
    }

    /** A file from the subset, else from the full set; a test of a full-set-only file checks {@link #has} first. */
    public static Path file(String relative) {
        Path subset = SUBSET.resolve(relative);
        if (Files.exists(subset) || !FULL_PRESENT) {
            return subset;
        }
        return FULL.resolve(relative);
    }

    /** The files of a folder ({@code models}, {@code logits}, {@code tokenizer}) with this suffix, from both sets, by name. */
    public static List<Path> list(String folder, String suffix) {
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path root : FULL_PRESENT ? List.of(SUBSET, FULL) : List.of(SUBSET)) {
            try (Stream<Path> files = Files.list(root.resolve(folder))) {
                files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted()
                        .forEach(p -> byName.putIfAbsent(p.getFileName().toString(), p));
            } catch (IOException e) {
                throw new UncheckedIOException("golden folder " + root.resolve(folder) + " cannot be listed", e);
            }
        }
        return byName.values().stream().sorted().toList();
    }
}
