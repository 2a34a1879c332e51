package dev.sluice.gguf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The header of a GGUF file (version 2 or 3): metadata and tensor infos, validated. Only the header
 * region is read; tensor data stays in the file, at {@link #dataOffset()} + each tensor's offset.
 */
public final class GgufFile {
    private final int version;
    private final long fileSize;
    private final long alignment;
    private final long dataOffset;
    private final GgufMetadata metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;

    GgufFile(int version, long fileSize, long alignment, long dataOffset, GgufMetadata metadata,
             List<GgufTensorInfo> tensors) {
        this.version = version;
        this.fileSize = fileSize;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.metadata = metadata;
        this.tensors = List.copyOf(tensors);
        this.tensorsByName = this.tensors.stream()
                .collect(Collectors.toUnmodifiableMap(GgufTensorInfo::name, Function.identity()));
    }

    /**
     * Reads and validates the header of a GGUF file.
     *
     * @throws GgufFormatException if the contents are not a valid GGUF file (the message says what and where)
     * @throws IOException if the file cannot be read
     */
    public static GgufFile read(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(channel);
        }
    }

    /** Reads from any channel positioned anywhere (the header is read from offset 0). */
    static GgufFile read(SeekableByteChannel channel) throws IOException {
        long size = channel.size();
        return GgufHeaderParser.parse(new HeaderInput(channel, size), size);
    }

    public int version() {
        return version;
    }

    public long fileSize() {
        return fileSize;
    }

    public long alignment() {
        return alignment;
    }

    /** Absolute file offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** In file order. */
    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> tensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    /** Absolute file offset of a tensor's data. */
    public long absoluteOffset(GgufTensorInfo tensor) {
        return tensor.absoluteOffset(dataOffset);
    }
}
