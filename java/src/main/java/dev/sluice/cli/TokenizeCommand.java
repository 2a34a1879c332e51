package dev.sluice.cli;

import dev.sluice.gguf.GgufFile;
import dev.sluice.tokenizer.Tokenizer;
import dev.sluice.tokenizer.Vocabulary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice tokenize -m MODEL (-p TEXT | -f FILE)}: the token ids as one JSON array, with
 * llama-tokenize's defaults (BOS when the model adds it, special tokens parsed).
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text as a JSON array (a vocabulary-only GGUF file is enough).")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "GGUF model or vocabulary file; without it, the demo model inside the jar")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "the text to tokenize")
        String text;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "a UTF-8 file to tokenize")
        Path file;
    }

    @Option(names = "--no-bos", description = "Do not add BOS even if the model asks for it.")
    boolean noBos;

    @Option(names = "--no-parse-special", description = "Treat special-token text (e.g. <|eot_id|>) as plain text.")
    boolean noParseSpecial;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Vocabulary vocab = Vocabulary.from(GgufFile.read(DemoFallback.orDemo(model, spec.commandLine().getErr())).metadata());
        String text = input.text != null ? input.text : readUtf8(input.file);
        int[] ids = Tokenizer.of(vocab).encode(text, vocab.addBos() && !noBos, !noParseSpecial);
        PrintWriter out = spec.commandLine().getOut();
        out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
        out.flush();
        return 0;
    }

    private static String readUtf8(Path file) throws IOException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not valid UTF-8 text", e);
        }
    }
}
