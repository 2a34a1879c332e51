package dev.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many streaming clients at once: every request completes or is cleanly refused (429/503), none gets a
 * 5xx, every answer equals the same request answered alone (seeded), and the process's RSS stays flat.
 * Throughput and latency are printed, not asserted (they depend on the machine).
 */
class ServerLoadTest {
    private static final int CLIENTS = 16;
    private static final int REQUESTS_PER_CLIENT = 20;
    private static final int DISTINCT_REQUESTS = 8;

    record Outcome(int status, String text, long nanos) {}

    private static Map<String, Object> request(int i) {
        return Map.of("model", "any", "max_tokens", 24, "seed", 100 + i, "temperature", 0.8, "stream", true,
                "messages", List.of(Map.of("role", "system", "content", "You answer questions."),
                        Map.of("role", "user", "content", "Question " + i + ": what flows through a sluice?")));
    }

    private static Outcome run(Http http, int i) {
        long start = System.nanoTime();
        Http.Stream s = http.stream("/v1/chat/completions", request(i));
        long nanos = System.nanoTime() - start;
        if (s.status() != 200) {
            return new Outcome(s.status(), null, nanos);
        }
        assertEquals("[DONE]", s.events().getLast());
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : s.chunks()) {
            assertTrue(chunk.has("choices"), () -> "an error in the stream: " + chunk);
            chunk.get("choices").forEach(c -> text.append(c.get("delta").path("content").asText("")));
        }
        return new Outcome(200, text.toString(), nanos);
    }

    /** Runs every client's requests in turn, all clients at once; outcomes in the order requests were made. */
    private static List<Outcome> load(Http http) throws Exception {
        List<Future<List<Outcome>>> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    List<Outcome> out = new ArrayList<>();
                    for (int r = 0; r < REQUESTS_PER_CLIENT; r++) {
                        out.add(run(http, (client * REQUESTS_PER_CLIENT + r) % DISTINCT_REQUESTS));
                    }
                    return out;
                }));
            }
            List<Outcome> all = new ArrayList<>();
            for (Future<List<Outcome>> f : clients) {
                all.addAll(f.get(150, TimeUnit.SECONDS));
            }
            return all;
        }
    }

    /** Resident memory after a full GC, so that a heap not yet collected does not read as a leak. */
    private static long rssKiB() throws IOException {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    @Test
    void sixteenStreamingClientsGetTheAnswersTheyWouldGetAlone() throws Exception {
        try (SluiceServer server = TestServers.start(o -> o.parallel(4).queue(CLIENTS))) {
            Http http = new Http(server);
            List<String> alone = new ArrayList<>();
            for (int i = 0; i < DISTINCT_REQUESTS; i++) {
                alone.add(run(http, i).text());
            }
            load(http); // warm-up: JIT, heap, every slot's KV cache touched
            long rssBefore = rssKiB();
            long start = System.nanoTime();
            List<Outcome> outcomes = load(http);
            double seconds = (System.nanoTime() - start) / 1e9;
            long rssAfter = rssKiB();

            int completed = 0;
            for (int k = 0; k < outcomes.size(); k++) {
                Outcome o = outcomes.get(k);
                int status = o.status();
                assertTrue(status == 200 || status == 429 || status == 503, "status " + status);
                if (status == 200) {
                    completed++;
                    int client = k / REQUESTS_PER_CLIENT;
                    int i = (client * REQUESTS_PER_CLIENT + k % REQUESTS_PER_CLIENT) % DISTINCT_REQUESTS;
                    assertEquals(alone.get(i), o.text(), "request " + i + " under load");
                }
            }
            assertTrue(completed > outcomes.size() / 2, completed + " of " + outcomes.size() + " completed");
            long[] latencies = outcomes.stream().filter(o -> o.status() == 200).mapToLong(Outcome::nanos).sorted().toArray();
            System.out.printf(Locale.ROOT, "load: %d clients x %d streamed requests, %d completed, %d refused in %.2f s:"
                            + " %.1f requests/s; latency p50 %.0f ms, p90 %.0f ms, p99 %.0f ms; RSS %d -> %d MiB%n",
                    CLIENTS, REQUESTS_PER_CLIENT, completed, outcomes.size() - completed, seconds,
                    outcomes.size() / seconds, percentile(latencies, 50), percentile(latencies, 90),
                    percentile(latencies, 99), rssBefore >> 10, rssAfter >> 10);
            assertTrue(rssAfter < rssBefore + 256 * 1024, "RSS grew from " + rssBefore + " to " + rssAfter + " KiB");
        }
    }

    private static double percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
