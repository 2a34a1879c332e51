package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class FortuneTest {
    @Test
    void theDemoModelStreamsTokensThroughTheDependency() throws IOException {
        StringBuilder text = new StringBuilder();
        int tokens = Fortune.tell("A wise man once said", 24, text::append);
        assertTrue(tokens > 0 && tokens <= 24, "tokens: " + tokens);
        assertFalse(text.isEmpty(), "no text streamed");
        StringBuilder again = new StringBuilder();
        Fortune.tell("A wise man once said", 24, again::append);
        assertEquals(text.toString(), again.toString(), "the same seed gives the same text");
    }
}
