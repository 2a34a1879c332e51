package dev.sluice.gguf;

import dev.sluice.ModelFormatException;
import dev.sluice.gguf.GgufValue.ArrayValue;
import dev.sluice.gguf.GgufValue.BoolValue;
import dev.sluice.gguf.GgufValue.FloatValue;
import dev.sluice.gguf.GgufValue.IntValue;
import dev.sluice.gguf.GgufValue.StringValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order. The typed getters return empty for a missing
 * key and throw {@link ModelFormatException} when the key holds a value of another type; the
 * {@code require…} variants throw {@link GgufFormatException} for a missing key.
 */
public final class GgufMetadata {
    private final Map<String, GgufValue> values;

    GgufMetadata(Map<String, GgufValue> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    /** The value of a key, or null if absent. */
    public GgufValue get(String key) {
        return values.get(key);
    }

    /** All entries in file order. */
    public Map<String, GgufValue> asMap() {
        return values;
    }

    public Optional<String> getString(String key) {
        return Optional.ofNullable(values.get(key)).map(v -> {
            if (v instanceof StringValue s) {
                return s.value();
            }
            throw wrongType(key, v, "a string");
        });
    }

    /** Any integer type. */
    public OptionalLong getLong(String key) {
        GgufValue v = values.get(key);
        return v == null ? OptionalLong.empty() : OptionalLong.of(toLong(key, v));
    }

    /** FLOAT32, FLOAT64 or any integer type. */
    public OptionalDouble getDouble(String key) {
        GgufValue v = values.get(key);
        if (v == null) {
            return OptionalDouble.empty();
        }
        if (v instanceof FloatValue f) {
            return OptionalDouble.of(f.value());
        }
        if (v instanceof IntValue) {
            return OptionalDouble.of(toLong(key, v));
        }
        throw wrongType(key, v, "a number");
    }

    public Optional<Boolean> getBoolean(String key) {
        return Optional.ofNullable(values.get(key)).map(v -> {
            if (v instanceof BoolValue b) {
                return b.value();
            }
            throw wrongType(key, v, "a bool");
        });
    }

    public Optional<List<String>> getStringArray(String key) {
        return array(key, "an array of strings").map(a -> {
            if (a.elementType() != GgufValueType.STRING) {
                throw wrongType(key, a, "an array of strings");
            }
            return a.elements().stream().map(e -> ((StringValue) e).value()).toList();
        });
    }

    /** FLOAT32 or FLOAT64 arrays. */
    public Optional<float[]> getFloatArray(String key) {
        return array(key, "an array of floats").map(a -> {
            if (!a.elementType().isFloat()) {
                throw wrongType(key, a, "an array of floats");
            }
            float[] out = new float[a.elements().size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) ((FloatValue) a.elements().get(i)).value();
            }
            return out;
        });
    }

    /** INT8..INT32 and UINT8..UINT32 arrays (a UINT32 above Integer.MAX_VALUE is an error). */
    public Optional<int[]> getIntArray(String key) {
        return array(key, "an array of 32-bit integers").map(a -> {
            if (!a.elementType().isInteger() || a.elementType() == GgufValueType.UINT64
                    || a.elementType() == GgufValueType.INT64) {
                throw wrongType(key, a, "an array of 32-bit integers");
            }
            int[] out = new int[a.elements().size()];
            for (int i = 0; i < out.length; i++) {
                long v = ((IntValue) a.elements().get(i)).bits();
                if (v > Integer.MAX_VALUE) {
                    throw new ModelFormatException("metadata key '" + key + "' element " + i + " = " + v
                            + " does not fit in a 32-bit int");
                }
                out[i] = (int) v;
            }
            return out;
        });
    }

    public String requireString(String key) throws GgufFormatException {
        return getString(key).orElseThrow(() -> missing(key));
    }

    public long requireLong(String key) throws GgufFormatException {
        OptionalLong v = getLong(key);
        if (v.isEmpty()) {
            throw missing(key);
        }
        return v.getAsLong();
    }

    public double requireDouble(String key) throws GgufFormatException {
        OptionalDouble v = getDouble(key);
        if (v.isEmpty()) {
            throw missing(key);
        }
        return v.getAsDouble();
    }

    public boolean requireBoolean(String key) throws GgufFormatException {
        return getBoolean(key).orElseThrow(() -> missing(key));
    }

    public List<String> requireStringArray(String key) throws GgufFormatException {
        return getStringArray(key).orElseThrow(() -> missing(key));
    }

    public float[] requireFloatArray(String key) throws GgufFormatException {
        return getFloatArray(key).orElseThrow(() -> missing(key));
    }

    public int[] requireIntArray(String key) throws GgufFormatException {
        return getIntArray(key).orElseThrow(() -> missing(key));
    }

    private Optional<ArrayValue> array(String key, String expected) {
        return Optional.ofNullable(values.get(key)).map(v -> {
            if (v instanceof ArrayValue a) {
                return a;
            }
            throw wrongType(key, v, expected);
        });
    }

    private static long toLong(String key, GgufValue v) {
        if (!(v instanceof IntValue i)) {
            throw wrongType(key, v, "an integer");
        }
        if (!i.fitsLong()) {
            throw new ModelFormatException("metadata key '" + key + "' = " + i + " is too large (above 2^63-1)");
        }
        return i.bits();
    }

    private static ModelFormatException wrongType(String key, GgufValue v, String expected) {
        String actual = v instanceof ArrayValue a ? "an array of " + a.elementType() : v.type().toString();
        return new ModelFormatException("metadata key '" + key + "' holds " + actual + ", expected " + expected);
    }

    private static GgufFormatException missing(String key) {
        return new GgufFormatException("missing metadata key '" + key + "'");
    }
}
