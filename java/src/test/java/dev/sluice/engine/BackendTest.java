package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.testing.SluiceHeader;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendTest {
    @Test
    void concreteBackendsAreSlBackend() {
        assertEquals(SluiceHeader.enumValues("SL_BACKEND_"),
                Map.of("CPU", Backend.CPU.nativeId(), "CUDA", Backend.CUDA.nativeId()));
    }
}
