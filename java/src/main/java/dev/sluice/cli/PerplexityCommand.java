package dev.sluice.cli;

import dev.sluice.engine.Model;
import dev.sluice.engine.Perplexity;
import dev.sluice.engine.PerplexityEvaluator;
import dev.sluice.tokenizer.Vocabulary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice perplexity}: llama-perplexity's measure over a text file; the last line is {@code PPL = x}. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity of the model over a text, computed as llama.cpp's llama-perplexity does.")
final class PerplexityCommand implements Callable<Integer> {
    @Mixin
    ModelArgs modelArgs;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "UTF-8 text file")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Model model = modelArgs.open()) {
            Vocabulary vocab = model.tokenizer().vocabulary();
            int[] tokens = model.tokenizer().encode(TextInput.readUtf8(file), vocab.addBos(), false);
            int nCtx = modelArgs.contextLength > 0 ? modelArgs.contextLength : 512;
            int chunks = tokens.length / nCtx;
            int[] chunk = {0};
            err.printf(Locale.ROOT, "%d tokens, %d chunks of %d%n", tokens.length, chunks, nCtx);
            Perplexity ppl;
            try (Progress progress = Progress.start("perplexity", chunks, " chunks", 1, err)) {
                ppl = PerplexityEvaluator.evaluate(model, tokens, nCtx, vocab.addBos() ? vocab.bosId() : -1,
                        running -> progress.stepTo(++chunk[0]));
            }
            out.printf(Locale.ROOT, "PPL = %.4f%n", ppl.perplexity());
        }
        return 0;
    }
}
