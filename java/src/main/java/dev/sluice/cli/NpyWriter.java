package dev.sluice.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a float32 {@code .npy} array of shape [rows, cols] row by row (NumPy format 1.0), so logits
 * stream to disk instead of piling up in the heap. The row count is fixed up front.
 */
final class NpyWriter implements AutoCloseable {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};

    private final OutputStream out;
    private final int rows;
    private final int cols;
    private final ByteBuffer row;
    private int written;

    NpyWriter(Path path, int rows, int cols) throws IOException {
        this.out = Files.newOutputStream(path);
        this.rows = rows;
        this.cols = cols;
        this.row = ByteBuffer.allocate(Math.multiplyExact(cols, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        out.write(header(rows, cols));
    }

    void writeRow(float[] values, int offset) throws IOException {
        if (written == rows) {
            throw new IllegalStateException("all " + rows + " rows already written");
        }
        row.clear();
        row.asFloatBuffer().put(values, offset, cols);
        out.write(row.array());
        written++;
    }

    @Override
    public void close() throws IOException {
        out.close();
        if (written != rows) {
            throw new IOException("npy file has " + written + " of its " + rows + " rows");
        }
    }

    /** Magic, version, header length, then the dict padded with spaces to a multiple of 64 bytes. */
    static byte[] header(int rows, int cols) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int unpadded = MAGIC.length + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String text = dict + " ".repeat(padding) + "\n";
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 2 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort((short) text.length()).put(text.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }
}
