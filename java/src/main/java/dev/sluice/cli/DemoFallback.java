package dev.sluice.cli;

import dev.sluice.engine.DemoModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Commands given no {@code -m} run the demo model inside the jar, and say so on stderr. */
final class DemoFallback {
    private DemoFallback() {}

    static Path orDemo(Path model, PrintWriter err) throws IOException {
        if (model != null) {
            return model;
        }
        Path demo = DemoModel.path();
        err.println("no -m given: using the demo model inside the jar (" + demo + ")");
        return demo;
    }
}
