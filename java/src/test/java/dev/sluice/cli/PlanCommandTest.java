package dev.sluice.cli;

import static dev.sluice.plan.Machines.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.engine.Backend;
import dev.sluice.plan.Machines;
import dev.sluice.plan.PlanLimits;
import dev.sluice.plan.ShapedModels;
import dev.sluice.plan.TierPlan;
import dev.sluice.testing.Golden;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice plan} on this machine (a golden model), and its report of a mocked 24 GB card's plan. */
class PlanCommandTest {
    private static final String LLAMA3 = Golden.file("models/tiny-llama3-Q4_K_M.gguf").toString();

    @TempDir
    Path dir;

    @Test
    void thePlanOfAGoldenModelOnTheCpuIsAllResident() throws Exception {
        CliRunner r = CliRunner.run("plan", "-m", LLAMA3, "--backend", "cpu", "-c", "256", "--ram-budget", "1G", "--json");
        assertEquals(0, r.exitCode(), r.stderr());
        JsonNode j = new ObjectMapper().readTree(r.stdout());
        assertEquals(false, j.get("gpu").asBoolean());
        assertEquals(256, j.get("context_length").asInt());
        assertEquals(1, j.get("ranges").size());
        assertEquals("A", j.get("ranges").get(0).get("tier").asText());
        assertEquals(j.get("layers").asInt() - 1, j.get("ranges").get(0).get("last").asInt());
        assertEquals(GIB, j.get("ram_budget").asLong());
        assertTrue(j.get("predicted_tok_s").asDouble() > 0);
        assertEquals("cpu", j.get("bottleneck").asText());
        assertTrue(j.get("rates").has("ram_read"), r.stdout());

        CliRunner text = CliRunner.run("plan", "-m", LLAMA3, "--backend", "cpu");
        assertEquals(0, text.exitCode(), text.stderr());
        assertTrue(text.stdout().contains("resident"), text.stdout());
        assertTrue(text.stdout().contains("predicted"), text.stdout());
    }

    @Test
    void aBadSizeIsAUsageError() {
        CliRunner r = CliRunner.run("plan", "-m", LLAMA3, "--vram-budget", "lots");
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertTrue(r.stderr().contains("bad size 'lots'"), r.stderr());
    }

    @Test
    void anImpossibleBudgetIsOneErrorLine() {
        CliRunner r = CliRunner.run("plan", "-m", LLAMA3, "--backend", "cpu", "--ram-budget", "1K");
        assertTrue(r.isOneErrorLine(), r.stderr());
        assertTrue(r.stderr().contains("RAM budget"), r.stderr());
    }

    @Test
    void theReportOfASplitPlanNamesTiersSharesAndTheBottleneck() throws Exception {
        ShapedModels model = ShapedModels.write(dir, "llama-3.1-70b", "Q4_K_M");
        TierPlan plan = model.plan(Machines.gpu("RTX 4090", 24 * GIB, 23 * GIB, 4, 16, 25, 1008, 60 * GIB, 16, 60, 5.0),
                new PlanLimits(Backend.AUTO, 4096, 0, OptionalLong.empty(), OptionalLong.empty()));
        JsonNode j = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(PlanReport.json(plan)));
        assertEquals(2, j.get("ranges").size());
        assertEquals("split", j.get("ranges").get(1).get("placement").asText());
        assertEquals(79, j.get("ranges").get(1).get("last").asInt());
        assertEquals(j.get("vram").get("total").asLong(), j.get("vram").get("weights").asLong()
                + j.get("vram").get("kv_cache").asLong() + j.get("vram").get("workspace").asLong()
                + j.get("vram").get("staging").asLong());
        assertTrue(j.get("vram").get("total").asLong() <= j.get("vram_budget").asLong());
        assertEquals("pcie+cpu", j.get("bottleneck").asText());
        assertEquals(60 / 85.0, j.get("split_fraction").asDouble(), 1e-9);

        StringWriter text = new StringWriter();
        PlanReport.printText(new PrintWriter(text, true), plan);
        assertTrue(text.toString().contains("B/split"), text.toString());
        assertTrue(text.toString().contains("bound by pcie+cpu"), text.toString());
        assertTrue(PlanReport.summary(plan).contains("layers 0-38 resident, 39-79 split (CPU share 71%)"), PlanReport.summary(plan));
    }
}
