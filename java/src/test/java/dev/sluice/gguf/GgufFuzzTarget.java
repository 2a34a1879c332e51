package dev.sluice.gguf;

import dev.sluice.ModelFormatException;
import dev.sluice.model.ModelConfig;
import dev.sluice.model.TensorTable;
import java.io.IOException;

/**
 * The fuzz target: any bytes given to the reader (and, when they parse, to the model config and tensor
 * table) end in success or in the documented format exceptions. Anything else thrown is a finding.
 * {@code fuzzerTestOneInput} is Jazzer's entry point when it runs this class from its command line.
 */
public final class GgufFuzzTarget {
    private GgufFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] data) throws IOException {
        GgufFile gguf;
        try {
            gguf = GgufFile.read(new ByteArrayChannel(data));
        } catch (GgufFormatException expected) {
            return;
        }
        try {
            TensorTable.of(ModelConfig.from(gguf), gguf);
        } catch (GgufFormatException | ModelFormatException expected) {
            // a well-formed GGUF file that is not a consistent llama model
        }
    }
}
