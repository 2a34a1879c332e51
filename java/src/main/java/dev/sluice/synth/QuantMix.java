package dev.sluice.synth;

import dev.sluice.gguf.GgmlType;
import java.util.Locale;

/**
 * Which type each tensor of a synthetic model gets, following llama-quantize's rules for the file
 * types it names, so a synthetic {@code Q4_K_M} file has the same bytes per layer as a real one:
 * norms and rope factors stay F32, the output matrix takes Q6_K unless the base type is finer, and
 * the {@code _M} mixes give attn_v and ffn_down Q6_K on the layers llama.cpp's {@code use_more_bits} picks.
 */
public record QuantMix(String name, GgmlType base, boolean moreBitsOnSomeLayers) {

    public static QuantMix parse(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return switch (upper) {
            case "Q4_K_M" -> new QuantMix(upper, GgmlType.Q4_K, true);
            case "Q5_K_M" -> new QuantMix(upper, GgmlType.Q5_K, true);
            case "Q4_K_S" -> new QuantMix(upper, GgmlType.Q4_K, false);
            case "Q5_K_S" -> new QuantMix(upper, GgmlType.Q5_K, false);
            default -> {
                try {
                    yield new QuantMix(upper, GgmlType.valueOf(upper), false);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown type '" + name + "' (expected F32, F16, BF16, Q4_0, "
                            + "Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q4_K_S, Q4_K_M, Q5_K_S or Q5_K_M)");
                }
            }
        };
    }

    /** The type of a 2-D weight; {@code layer} is -1 for whole-model tensors. */
    public GgmlType weightType(String role, int layer, int layers) {
        if (role.equals("output")) {
            return isFinerThanQ6K(base) ? base : GgmlType.Q6_K;
        }
        boolean bumped = role.equals("attn_v") || role.equals("ffn_down");
        if (moreBitsOnSomeLayers && bumped && useMoreBits(layer, layers)) {
            return GgmlType.Q6_K;
        }
        return base;
    }

    /** llama.cpp's choice of layers that get more bits: the first and last eighth and every third between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static boolean isFinerThanQ6K(GgmlType t) {
        return t == GgmlType.F32 || t == GgmlType.F16 || t == GgmlType.BF16 || t == GgmlType.Q8_0 || t == GgmlType.Q6_K;
    }
}
