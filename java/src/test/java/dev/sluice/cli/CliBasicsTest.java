package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CliBasicsTest {
    @Test
    void devicesListsTheCpu() {
        CliRunner r = CliRunner.run("devices");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("cpu:0 "), r.stdout());
    }

    @Test
    void versionNamesBothHalves() {
        CliRunner r = CliRunner.run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().matches("(?s)sluice \\S+ \\(native \\d+\\.\\d+\\.\\d+\\).*"), r.stdout());
    }

    @Test
    void unknownCommandIsAUsageError() {
        CliRunner r = CliRunner.run("frobnicate");
        assertEquals(ErrorReporter.EXIT_USAGE, r.exitCode());
        assertTrue(r.isOneErrorLine(), r.stderr());
    }

    @Test
    void helpListsCommands() {
        CliRunner r = CliRunner.run("--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().contains("devices"), r.stdout());
    }
}
