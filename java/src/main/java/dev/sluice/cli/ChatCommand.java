package dev.sluice.cli;

import dev.sluice.engine.Conversation;
import dev.sluice.engine.Generation;
import dev.sluice.engine.GenerationParams;
import dev.sluice.engine.Model;
import dev.sluice.engine.Session;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice chat}: an interactive conversation. One line of stdin is one user turn; the reply
 * streams to stdout. The KV cache is kept across turns. End with EOF (Ctrl-D) or {@code /exit}.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "Chat with the model using its chat template.")
final class ChatCommand implements Callable<Integer> {
    @Mixin
    ModelArgs modelArgs;

    @Mixin
    SamplingArgs sampling;

    @Option(names = "-n", defaultValue = "-1", paramLabel = "N", description = "Most tokens per reply; -1 = no limit")
    int maxTokens;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt")
    String system;

    @Option(names = "--chat-template", paramLabel = "FILE", description = "Use this template instead of the model's")
    Path chatTemplate;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        GenerationParams params = GenerationParams.builder().maxTokens(maxTokens).sampler(sampling.params()).build();
        try (Model model = modelArgs.open(); Session session = model.newSession()) {
            modelArgs.printPlan();
            Conversation chat = new Conversation(session, model.chatTemplate(Optional.ofNullable(chatTemplate)), system);
            err.println("chat with " + model.path().getFileName() + " (" + session.contextLength()
                    + " positions); end with /exit or Ctrl-D");
            while (true) {
                err.print("> ");
                err.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    return 0;
                }
                if (line.isBlank()) {
                    continue;
                }
                Generation g = chat.reply(line, params, t -> {
                    out.print(t.text());
                    out.flush();
                });
                out.println();
                RunCommand.report(err, g);
            }
        }
    }
}
