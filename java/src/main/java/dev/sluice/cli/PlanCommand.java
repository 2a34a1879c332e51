package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gguf.GgufFile;
import dev.sluice.model.ModelConfig;
import dev.sluice.plan.SystemProbe;
import dev.sluice.plan.TierPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice plan}: where each layer would live on this machine and the decode speed that predicts. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Show the tier plan for a model on this machine (layers in VRAM, RAM, storage), without loading it.")
final class PlanCommand implements Callable<Integer> {
    @Mixin
    ModelArgs modelArgs;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path path = DemoFallback.orDemo(modelArgs.model, spec.commandLine().getErr());
        GgufFile gguf = GgufFile.read(path);
        TierPlan plan = modelArgs.plan(path, gguf, ModelConfig.from(gguf), new SystemProbe());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(PlanReport.json(plan)));
        } else {
            out.println("model      " + path + " (" + plan.tiers().size() + " layers, context "
                    + plan.costs().contextLength() + ")");
            PlanReport.printText(out, plan);
        }
        out.flush();
        return 0;
    }
}
