package dev.sluice.engine;

import org.junit.jupiter.api.Tag;

/**
 * The golden logits on the CUDA backend, within the same limits as the CPU: F16 KV cache and 8-bit (decode) or
 * fp16 (prefill) activations in the matmuls, as llama.cpp's CUDA backend computes.
 */
@Tag("gpu")
class CudaGoldenLogitsTest extends GoldenLogitsTest {
    @Override
    Backend backend() {
        return Backend.CUDA;
    }

    /** A batch runs the prefill kernels, one token the decode kernels: both round to fp16/int8, differently. */
    @Override
    double batchTolerance() {
        return 2e-2;
    }
}
