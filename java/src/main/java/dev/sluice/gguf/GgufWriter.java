package dev.sluice.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a GGUF file: metadata, tensor infos, then each tensor's data at an aligned offset. Tensor data
 * is streamed from a {@link TensorSource} per tensor, so files far larger than the heap can be written.
 * The alignment is the {@code general.alignment} value when one is put, 32 otherwise.
 */
public final class GgufWriter {
    /** Supplies one tensor's data: writes exactly the tensor's byte size to the channel. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private record PendingTensor(String name, GgmlType type, long[] shape, TensorSource source) {}

    private record PlacedTensor(GgufTensorInfo info, TensorSource source) {}

    private final int version;
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    /** A writer for GGUF version 3 (the current one). */
    public GgufWriter() {
        this(3);
    }

    public GgufWriter(int version) {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("GGUF version " + version + " cannot be written; use 2 or 3");
        }
        this.version = version;
    }

    public GgufWriter put(String key, GgufValue value) {
        if (key.isEmpty() || metadata.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException("metadata key '" + key + "' is empty or already set");
        }
        return this;
    }

    /** Adds a tensor; its data follows the previous tensor's in the file, aligned. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' is already added");
        }
        type.byteSize(shape); // rejects a bad shape now rather than at write time
        tensors.add(new PendingTensor(name, type, shape.clone(), source));
        return this;
    }

    public void write(Path path) throws IOException {
        List<PlacedTensor> placed = place(alignment());
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(out, header(placed));
            long dataStart = out.position();
            for (PlacedTensor tensor : placed) {
                padTo(out, dataStart + tensor.info().offset());
                long before = out.position();
                tensor.source().writeTo(out);
                long written = out.position() - before;
                if (written != tensor.info().byteSize()) {
                    throw new IOException("the data source of tensor '" + tensor.info().name() + "' wrote " + written
                            + " bytes, expected " + tensor.info().byteSize());
                }
            }
        }
    }

    private long alignment() {
        GgufValue value = metadata.get(GgufHeaderParser.ALIGNMENT_KEY);
        if (value == null) {
            return GgufHeaderParser.DEFAULT_ALIGNMENT;
        }
        if (!(value instanceof GgufValue.IntValue i) || i.bits() <= 0 || Long.bitCount(i.bits()) != 1) {
            throw new IllegalArgumentException(GgufHeaderParser.ALIGNMENT_KEY + " = " + value + " is not a power of two");
        }
        return i.bits();
    }

    private List<PlacedTensor> place(long alignment) {
        List<PlacedTensor> placed = new ArrayList<>(tensors.size());
        long offset = 0;
        for (PendingTensor t : tensors) {
            long size = t.type().byteSize(t.shape());
            placed.add(new PlacedTensor(new GgufTensorInfo(t.name(), t.type(), t.shape(), offset, size), t.source()));
            offset = GgufHeaderParser.alignUp(offset + size, alignment);
        }
        return placed;
    }

    private ByteBuffer header(List<PlacedTensor> placed) {
        HeaderOutput out = new HeaderOutput();
        out.u32(GgufHeaderParser.MAGIC);
        out.u32(version);
        out.u64(tensors.size());
        out.u64(metadata.size());
        metadata.forEach((key, value) -> {
            out.string(key);
            out.u32(value.type().id());
            writeValue(out, value);
        });
        for (PlacedTensor tensor : placed) {
            GgufTensorInfo info = tensor.info();
            out.string(info.name());
            out.u32(info.dims());
            for (long dim : info.shape()) {
                out.u64(dim);
            }
            out.u32(info.type().id());
            out.u64(info.offset());
        }
        out.padTo(alignment());
        return out.toBuffer();
    }

    private static void writeValue(HeaderOutput out, GgufValue value) {
        switch (value) {
            case GgufValue.IntValue i -> writeInteger(out, i);
            case GgufValue.FloatValue f -> {
                if (f.type() == GgufValueType.FLOAT32) {
                    out.f32((float) f.value());
                } else {
                    out.f64(f.value());
                }
            }
            case GgufValue.BoolValue b -> out.u8(b.value() ? 1 : 0);
            case GgufValue.StringValue s -> out.string(s.value());
            case GgufValue.ArrayValue a -> {
                out.u32(a.elementType().id());
                out.u64(a.elements().size());
                a.elements().forEach(e -> writeValue(out, e));
            }
        }
    }

    private static void writeInteger(HeaderOutput out, GgufValue.IntValue i) {
        switch (i.type()) {
            case UINT8, INT8 -> out.u8((int) i.bits());
            case UINT16, INT16 -> out.u16((int) i.bits());
            case UINT32, INT32 -> out.u32(i.bits());
            default -> out.u64(i.bits());
        }
    }

    private static void padTo(FileChannel out, long position) throws IOException {
        long gap = position - out.position();
        if (gap > 0) {
            writeFully(out, ByteBuffer.allocate((int) gap));
        }
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
