package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Layer tiers and stream options reach the native loader: the demo model with layers streamed from pinned RAM and
 * from storage decodes bit-identically to the all-resident model (on the CPU backend the pipeline copies into host
 * memory, exercising the same path as on the GPU). Bad options are refused before anything loads.
 */
class StreamedLayersTest {
    private static final int[] PROMPT = {1, 450, 3601, 338, 263, 1243, 310, 2987};

    private static float[] logits(ModelOptions options) throws IOException {
        try (Model model = Model.openDemo(options); Session session = model.newSession(64)) {
            float[] all = session.decodeAll(PROMPT);
            float[] next = session.decode(new int[] {42});
            float[] both = new float[all.length + next.length];
            System.arraycopy(all, 0, both, 0, all.length);
            System.arraycopy(next, 0, both, all.length, next.length);
            return both;
        }
    }

    private static ModelOptions.Builder cpu() {
        return ModelOptions.builder().backend(Backend.CPU).threads(2);
    }

    private static List<LayerTier> tiers(int layers) {
        List<LayerTier> tiers = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            tiers.add(LayerTier.values()[layer % 3]);
        }
        return tiers;
    }

    @ParameterizedTest
    @EnumSource(value = StreamPath.class, names = {"MMAP", "PREAD", "AUTO"})
    void streamedLayersDecodeAsResidentOnes(StreamPath path) throws IOException {
        float[] resident = logits(cpu().build());
        int layers;
        try (Model model = Model.openDemo(cpu().build())) {
            layers = model.config().nLayer();
        }
        float[] streamed = logits(cpu().layerTiers(tiers(layers)).streamPath(path).streamSlots(3).build());
        assertArrayEquals(resident, streamed);
    }

    @Test
    void splitLayersDecodeAsResidentOnes() throws IOException {
        float[] resident = logits(cpu().build());
        int layers;
        try (Model model = Model.openDemo(cpu().build())) {
            layers = model.config().nLayer();
        }
        List<LayerTier> tiers = Collections.nCopies(layers, LayerTier.PINNED);
        List<Double> shares = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            shares.add(layer % 2 == 0 ? 0.4 : 0.0);
        }
        float[] split = logits(cpu().layerTiers(tiers).cpuShares(shares).splitThreads(1).build());
        assertArrayEquals(resident, split);
    }

    @Test
    void splitTimeCountsTheCpuSharesOfSingleTokenPasses() throws IOException {
        int layers;
        try (Model model = Model.openDemo(cpu().build()); Session session = model.newSession(16)) {
            layers = model.config().nLayer();
            session.decode(new int[] {42});
            assertEquals(SplitTime.NONE, model.splitTime(), "nothing is split");
        }
        ModelOptions options = cpu().layerTiers(Collections.nCopies(layers, LayerTier.PINNED))
                .cpuShares(Collections.nCopies(layers, 0.5)).splitThreads(1).build();
        try (Model model = Model.openDemo(options); Session session = model.newSession(16)) {
            session.decode(PROMPT);
            assertEquals(0, model.splitTime().cpuBytes(), "a batch runs whole layers on the model's backend");
            session.decode(new int[] {42});
            SplitTime one = model.splitTime();
            long matrices = model.streamedBytesPerPass();
            assertTrue(one.cpuBytes() > 0.4 * matrices && one.cpuBytes() < 0.6 * matrices, one + " of " + matrices);
            assertTrue(one.cpuSeconds() > 0 && one.waitSeconds() >= 0, one.toString());
            session.decode(new int[] {43});
            assertEquals(2 * one.cpuBytes(), model.splitTime().cpuBytes(), "the same share every token");
        }
    }

    @Test
    void badStreamOptionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> cpu().streamSlots(1).build());
        assertThrows(IllegalArgumentException.class, () -> cpu().streamPath(StreamPath.NVME).build());
        assertThrows(IllegalArgumentException.class, () -> cpu().layerTiers(List.of(LayerTier.STORAGE))
                .cpuShares(List.of(0.5)).build(), "only pinned layers split");
        assertThrows(IllegalArgumentException.class, () -> cpu().layerTiers(List.of(LayerTier.PINNED))
                .cpuShares(List.of(0.99)).build(), "the GPU keeps some rows");
        IllegalArgumentException wrongCount = assertThrows(IllegalArgumentException.class,
                () -> Model.openDemo(cpu().layerTiers(Collections.nCopies(3, LayerTier.PINNED)).build()).close());
        assertTrue(wrongCount.getMessage().contains("3 layers"), wrongCount.getMessage());
    }
}
