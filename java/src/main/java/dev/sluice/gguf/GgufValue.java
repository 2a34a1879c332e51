package dev.sluice.gguf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/** One typed metadata value; arrays may nest. {@code toString} prints it for people. */
public sealed interface GgufValue {
    GgufValueType type();

    /** Any integer type; a UINT64 above {@link Long#MAX_VALUE} is held as its two's-complement bits. */
    record IntValue(GgufValueType type, long bits) implements GgufValue {
        public IntValue {
            if (!type.isInteger()) {
                throw new IllegalArgumentException(type + " is not an integer type");
            }
        }

        /** Whether the value is representable as a Java long (false only for a UINT64 above Long.MAX_VALUE). */
        public boolean fitsLong() {
            return type != GgufValueType.UINT64 || bits >= 0;
        }

        @Override
        public String toString() {
            return type == GgufValueType.UINT64 ? Long.toUnsignedString(bits) : Long.toString(bits);
        }
    }

    record FloatValue(GgufValueType type, double value) implements GgufValue {
        public FloatValue {
            if (!type.isFloat()) {
                throw new IllegalArgumentException(type + " is not a float type");
            }
        }

        @Override
        public String toString() {
            return type == GgufValueType.FLOAT32 ? Float.toString((float) value) : Double.toString(value);
        }
    }

    record BoolValue(boolean value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.BOOL;
        }

        @Override
        public String toString() {
            return Boolean.toString(value);
        }
    }

    record StringValue(String value) implements GgufValue {
        public StringValue {
            Objects.requireNonNull(value);
        }

        @Override
        public GgufValueType type() {
            return GgufValueType.STRING;
        }

        @Override
        public String toString() {
            return value;
        }
    }

    /** Elements all of {@code elementType}; nested arrays may differ in their own element types. */
    record ArrayValue(GgufValueType elementType, List<GgufValue> elements) implements GgufValue {
        public ArrayValue {
            elements = List.copyOf(elements);
            for (GgufValue element : elements) {
                if (element.type() != elementType) {
                    throw new IllegalArgumentException("a " + elementType + " array holds a " + element.type());
                }
            }
        }

        @Override
        public GgufValueType type() {
            return GgufValueType.ARRAY;
        }

        @Override
        public String toString() {
            return elements.stream().map(e -> e instanceof StringValue s ? quote(s.value()) : e.toString())
                    .collect(Collectors.joining(", ", "[", "]"));
        }

        private static String quote(String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
    }

    static GgufValue ofString(String value) {
        return new StringValue(value);
    }

    static GgufValue ofBool(boolean value) {
        return new BoolValue(value);
    }

    static GgufValue ofUInt32(long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(value + " does not fit in a UINT32");
        }
        return new IntValue(GgufValueType.UINT32, value);
    }

    static GgufValue ofInt32(int value) {
        return new IntValue(GgufValueType.INT32, value);
    }

    static GgufValue ofUInt64(long bits) {
        return new IntValue(GgufValueType.UINT64, bits);
    }

    static GgufValue ofFloat32(float value) {
        return new FloatValue(GgufValueType.FLOAT32, value);
    }

    static GgufValue ofFloat64(double value) {
        return new FloatValue(GgufValueType.FLOAT64, value);
    }

    static GgufValue ofStringArray(List<String> values) {
        return new ArrayValue(GgufValueType.STRING, values.stream().map(GgufValue::ofString).toList());
    }

    static GgufValue ofFloat32Array(float[] values) {
        List<GgufValue> elements = new ArrayList<>(values.length);
        for (float v : values) {
            elements.add(ofFloat32(v));
        }
        return new ArrayValue(GgufValueType.FLOAT32, elements);
    }

    static GgufValue ofInt32Array(int[] values) {
        List<GgufValue> elements = new ArrayList<>(values.length);
        for (int v : values) {
            elements.add(ofInt32(v));
        }
        return new ArrayValue(GgufValueType.INT32, elements);
    }
}
