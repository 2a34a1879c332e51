package dev.sluice.model;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a tensor of a Llama model is for. The ids are sl_tensor_role in native/include/sluice/sluice.h,
 * which receives the tensor table; the names are llama.cpp's tensor names without ".weight" (and, for
 * per-layer roles, without the "blk.N." prefix).
 */
public enum TensorRole {
    TOKEN_EMBD(0, "token_embd", false),
    OUTPUT_NORM(1, "output_norm", false),
    OUTPUT(2, "output", false),
    ROPE_FREQS(3, "rope_freqs", false),
    ATTN_NORM(4, "attn_norm", true),
    ATTN_Q(5, "attn_q", true),
    ATTN_K(6, "attn_k", true),
    ATTN_V(7, "attn_v", true),
    ATTN_OUTPUT(8, "attn_output", true),
    FFN_NORM(9, "ffn_norm", true),
    FFN_GATE(10, "ffn_gate", true),
    FFN_UP(11, "ffn_up", true),
    FFN_DOWN(12, "ffn_down", true);

    private static final Map<String, TensorRole> BY_NAME =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(TensorRole::ggufName, Function.identity()));

    private final int nativeId;
    private final String ggufName;
    private final boolean perLayer;

    TensorRole(int nativeId, String ggufName, boolean perLayer) {
        this.nativeId = nativeId;
        this.ggufName = ggufName;
        this.perLayer = perLayer;
    }

    /** The sl_tensor_role value. */
    public int nativeId() {
        return nativeId;
    }

    public String ggufName() {
        return ggufName;
    }

    /** Whether each transformer block has its own tensor of this role. */
    public boolean perLayer() {
        return perLayer;
    }

    /** A layer's norms: tiny, and resident whatever the layer's tier. */
    public boolean isLayerNorm() {
        return this == ATTN_NORM || this == FFN_NORM;
    }

    /** The full tensor name: "output_norm.weight", or "blk.3.attn_q.weight" for layer 3. */
    public String tensorName(int layer) {
        return perLayer ? "blk." + layer + "." + ggufName + ".weight" : ggufName + ".weight";
    }

    static Optional<TensorRole> byGgufName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
