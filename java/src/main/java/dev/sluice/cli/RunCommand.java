package dev.sluice.cli;

import dev.sluice.chat.ChatMessage;
import dev.sluice.engine.Generation;
import dev.sluice.engine.GenerationParams;
import dev.sluice.engine.GenerationStats;
import dev.sluice.engine.Model;
import dev.sluice.engine.Session;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice run}: generates after a prompt, streaming text to stdout and speeds to stderr. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Generate text after a prompt.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ModelArgs modelArgs;

    @ArgGroup(exclusive = true, multiplicity = "1")
    TextInput input;

    @Mixin
    SamplingArgs sampling;

    @Option(names = "-n", defaultValue = "-1", paramLabel = "N",
            description = "Tokens to generate; -1 = until end of text or a full context (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when the output reaches TEXT (repeatable)")
    List<String> stops = List.of();

    @Option(names = "--chat-template", arity = "0..1", fallbackValue = "", paramLabel = "FILE",
            description = "Send the prompt as a user message in the chat template: the model's, or FILE's")
    String chatTemplate;

    @Option(names = "--no-bos", description = "Do not add BOS even if the model asks for it")
    boolean noBos;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Model model = modelArgs.open(); Session session = model.newSession()) {
            modelArgs.printPlan();
            int[] prompt = promptTokens(model, input.read());
            err.printf("%s: %d layers, %d-token context, prompt of %d tokens%n", model.path().getFileName(),
                    model.config().nLayer(), session.contextLength(), prompt.length);
            GenerationParams params = GenerationParams.builder()
                    .maxTokens(maxTokens)
                    .stopStrings(stops)
                    .sampler(sampling.params())
                    .build();
            Generation g = session.generate(prompt, params);
            if (Progress.stderrIsTerminal()) { // a log gets the summary line at the end only
                g.onPromptProgress(done -> err.printf(
                        "\rprompt: %d/%d tokens%s", done, prompt.length, done == prompt.length ? "\n" : ""));
            }
            g.forEachRemaining(t -> {
                out.print(t.text());
                out.flush();
            });
            out.println();
            report(err, g);
        }
        return 0;
    }

    private int[] promptTokens(Model model, String text) throws java.io.IOException {
        if (chatTemplate == null) {
            boolean bos = !noBos && model.tokenizer().vocabulary().addBos();
            return model.tokenizer().encode(text, bos, true);
        }
        Optional<Path> file = chatTemplate.isEmpty() ? Optional.empty() : Optional.of(Path.of(chatTemplate));
        String rendered = model.chatTemplate(file).render(List.of(ChatMessage.user(text)), true);
        return model.promptTokens(rendered);
    }

    static void report(PrintWriter err, Generation g) {
        GenerationStats s = g.stats();
        err.printf(Locale.ROOT, "prompt: %d tokens, %.2f tok/s | generation: %d tokens, %.2f tok/s | stop: %s%n",
                s.promptTokens(), s.promptTokensPerSecond(), s.generatedTokens(), s.generationTokensPerSecond(),
                g.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '));
    }
}
