package dev.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerOptionsTest {
    @Test
    void defaultsListenOnLoopbackWithoutAKey() {
        ServerOptions o = ServerOptions.builder().build();
        assertEquals("127.0.0.1", o.host());
        assertEquals(8080, o.port());
        assertNull(o.apiKey());
        assertNull(ServerOptions.builder().apiKey("").build().apiKey(), "an empty SLUICE_API_KEY means no key");
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ServerOptions.builder().port(70000).build());
        assertThrows(IllegalArgumentException.class, () -> ServerOptions.builder().parallel(0).build());
        assertThrows(IllegalArgumentException.class, () -> ServerOptions.builder().requestTimeout(Duration.ZERO).build());
    }
}
