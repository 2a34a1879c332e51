package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.engine.Model;
import dev.sluice.engine.Session;
import dev.sluice.sampling.Logits;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice logits}: the logits after every input position, then after each of {@code -n}
 * greedily generated tokens, as a float32 .npy [rows, n_vocab]; all token ids go to stdout as JSON.
 */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Write the logits of every position (and of -n greedy tokens) to a .npy file.")
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelArgs modelArgs;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "-n", defaultValue = "0", paramLabel = "N", description = "Greedy tokens to generate after the input")
    int generate;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.npy", description = "The .npy file to write")
    Path output;

    static final class Input {
        @ArgGroup(exclusive = false)
        TextInput text;

        @Option(names = "--tokens", split = ",", paramLabel = "ID,ID,...", description = "Exact token ids (no BOS added)")
        int[] tokens;
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (generate < 0) {
            throw new IllegalArgumentException("-n must be >= 0, got " + generate);
        }
        try (Model model = modelArgs.open()) {
            int[] prompt = input.tokens != null ? input.tokens : model.tokenizer().encode(input.text.read());
            int nVocab = model.config().nVocab();
            int rows = prompt.length + generate;
            int[] ids = Arrays.copyOf(prompt, rows);
            int nCtx = modelArgs.contextLength > 0 ? modelArgs.contextLength : rows;
            try (Session session = model.newSession(nCtx);
                    NpyWriter npy = new NpyWriter(output, rows, nVocab)) {
                float[] logits = session.decodeAll(prompt);
                for (int r = 0; r < prompt.length; r++) {
                    npy.writeRow(logits, r * nVocab);
                }
                float[] last = Arrays.copyOfRange(logits, (prompt.length - 1) * nVocab, prompt.length * nVocab);
                for (int g = 0; g < generate; g++) {
                    ids[prompt.length + g] = Logits.argmax(last);
                    last = session.decode(new int[] {ids[prompt.length + g]});
                    npy.writeRow(last, 0);
                }
            }
            out.println(new ObjectMapper().writeValueAsString(Arrays.stream(ids).boxed().toList()));
        }
        return 0;
    }

}
