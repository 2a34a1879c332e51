package dev.sluice.plan;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Bandwidths measured on this machine, kept in a small JSON file (bytes/s by name) so each is measured
 * once. A cache that cannot be read or written only costs a new measurement.
 */
final class BandwidthCache {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    BandwidthCache(Path file) {
        this.file = file;
    }

    /** The cached value of {@code key}, else a measurement (then cached), else {@code assumed}. */
    Bandwidth get(String key, Supplier<OptionalDouble> measure, double assumed) {
        Map<String, Double> known = load();
        Double cached = known.get(key);
        if (cached != null && cached > 0) {
            return Bandwidth.measured(cached);
        }
        OptionalDouble measured = measure.get();
        if (measured.isEmpty() || !(measured.getAsDouble() > 0)) {
            return Bandwidth.assumed(assumed);
        }
        known.put(key, measured.getAsDouble());
        store(known);
        return Bandwidth.measured(measured.getAsDouble());
    }

    private Map<String, Double> load() {
        try {
            return Files.isRegularFile(file)
                    ? new TreeMap<>(JSON.readValue(file.toFile(), new TypeReference<Map<String, Double>>() {}))
                    : new TreeMap<>();
        } catch (IOException e) {
            return new TreeMap<>();
        }
    }

    /** Written beside and moved into place, so a reader never sees half a file. */
    private void store(Map<String, Double> values) {
        try {
            Files.createDirectories(file.getParent());
            Path partial = Files.createTempFile(file.getParent(), "bandwidth-", ".part");
            try {
                JSON.writerWithDefaultPrettyPrinter().writeValue(partial.toFile(), values);
                Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            // measured again next time
        }
    }
}
