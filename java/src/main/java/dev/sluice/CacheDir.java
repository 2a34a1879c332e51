package dev.sluice;

import java.nio.file.Path;

/**
 * Sluice's per-user cache folder (the demo model's copy, measured bandwidths): the system property
 * {@code sluice.cache.dir}, else {@code $XDG_CACHE_HOME/sluice}, else {@code ~/.cache/sluice}.
 */
public final class CacheDir {
    private CacheDir() {}

    public static Path path() {
        String configured = System.getProperty("sluice.cache.dir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("sluice");
    }
}
