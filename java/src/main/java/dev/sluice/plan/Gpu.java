package dev.sluice.plan;

import java.util.OptionalInt;

/**
 * The GPU a plan places layers on.
 *
 * @param pcieGeneration the link's generation (3, 4, 5), when known
 * @param pcieWidth      the link's lanes (8, 16), when known
 */
public record Gpu(String name, long freeVram, long totalVram, OptionalInt pcieGeneration, OptionalInt pcieWidth) {}
