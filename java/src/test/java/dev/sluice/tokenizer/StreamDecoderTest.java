package dev.sluice.tokenizer;

import static dev.sluice.tokenizer.TestVocabularies.byteToken;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class StreamDecoderTest {
    private static final Tokenizer TOKENIZER = Tokenizer.of(TestVocabularies.sentencePiece(false, List.of()));

    private static String[] stream(int... bytes) {
        StreamDecoder decoder = TOKENIZER.streamDecoder(false);
        String[] out = new String[bytes.length + 1];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = decoder.accept(byteToken(bytes[i]));
        }
        out[bytes.length] = decoder.finish();
        return out;
    }

    @Test
    void multiByteCharacterIsHeldUntilComplete() {
        // ☕ is E2 98 95
        assertEquals(List.of("", "", "☕", ""), List.of(stream(0xE2, 0x98, 0x95)));
        // 🦙 is F0 9F A6 99 (a surrogate pair in Java)
        assertEquals(List.of("a", "", "", "", "🦙", ""), List.of(stream('a', 0xF0, 0x9F, 0xA6, 0x99)));
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        assertEquals(List.of("\uFFFD", ""), List.of(stream(0x80)));
        assertEquals(List.of("", "\uFFFDa", ""), List.of(stream(0xE2, 'a')));
        assertEquals(List.of("\uFFFD", ""), List.of(stream(0xFF)));
    }

    @Test
    void unfinishedCharacterAtTheEndBecomesOneReplacementCharacter() {
        assertEquals(List.of("", "", "\uFFFD"), List.of(stream(0xE2, 0x98)));
    }

    @Test
    void decodersAreIndependent() {
        StreamDecoder first = TOKENIZER.streamDecoder(false);
        StreamDecoder second = TOKENIZER.streamDecoder(false);
        assertEquals("", first.accept(byteToken(0xE2)));
        assertEquals("b", second.accept(byteToken('b')));
    }
}
