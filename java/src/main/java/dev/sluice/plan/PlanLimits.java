package dev.sluice.plan;

import dev.sluice.engine.Backend;
import java.util.OptionalLong;

/**
 * What the caller asks of a plan.
 *
 * @param contextLength KV cache positions to reserve
 * @param threads       CPU threads; 0 = the planner's choice
 * @param vramBudget    VRAM the plan may use; empty = the GPU's free memory
 * @param ramBudget     RAM the plan may use; empty = the usable RAM less a margin
 * @param split         whether layers in RAM may be split between the CPU and the GPU; without it they stream
 *                      whole from pinned RAM
 */
public record PlanLimits(Backend backend, int contextLength, int threads, OptionalLong vramBudget,
                         OptionalLong ramBudget, boolean split) {
    public PlanLimits {
        if (contextLength <= 0 || threads < 0) {
            throw new IllegalArgumentException("need a positive context and threads >= 0");
        }
    }

    /** The limits with split layers allowed. */
    public PlanLimits(Backend backend, int contextLength, int threads, OptionalLong vramBudget,
                      OptionalLong ramBudget) {
        this(backend, contextLength, threads, vramBudget, ramBudget, true);
    }
}
