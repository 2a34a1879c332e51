package dev.sluice.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -p TEXT | -f FILE}: the text a command works on (an exclusive picocli argument group). */
final class TextInput {
    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The text itself")
    String text;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "A UTF-8 file holding the text")
    Path file;

    String read() throws IOException {
        return text != null ? text : readUtf8(file);
    }

    /** The file's text; malformed UTF-8 is an error naming the file, not silently replaced. */
    static String readUtf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not valid UTF-8 text", e);
        }
    }
}
