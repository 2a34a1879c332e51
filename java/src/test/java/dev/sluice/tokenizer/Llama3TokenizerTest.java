package dev.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/** Behaviour of the full Llama-3 vocabulary beyond llama.cpp's vectors (which parse no specials and add no BOS). */
@EnabledIf("dev.sluice.tokenizer.GoldenVocabularies#hasLlama3")
class Llama3TokenizerTest {
    private static final Tokenizer LLAMA3 = GoldenVocabularies.llama3();
    private static final int BOS = 128000;
    private static final int EOT = 128009;

    @Test
    void defaultsAddBosAndParseSpecials() {
        int[] ids = LLAMA3.encode("Hi<|eot_id|>");
        assertEquals(BOS, ids[0]);
        assertEquals(EOT, ids[ids.length - 1]);
        assertEquals(3, ids.length);
    }

    @Test
    void specialTextIsPlainWhenParsingIsOff() {
        int[] ids = LLAMA3.encode("<|eot_id|>", false, false);
        assertTrue(ids.length > 1);
        assertTrue(Arrays.stream(ids).noneMatch(id -> id == EOT));
        assertEquals("<|eot_id|>", LLAMA3.decode(ids));
    }

    @Test
    void controlTokensAreSilentUnlessRendered() {
        int[] ids = LLAMA3.encode("a<|eot_id|>b");
        assertEquals("ab", LLAMA3.decode(ids));
        assertEquals("<|begin_of_text|>a<|eot_id|>b", LLAMA3.decode(ids, true));
    }

    @Test
    void emptyTextIsJustBos() {
        assertArrayEquals(new int[] {BOS}, LLAMA3.encode(""));
        assertArrayEquals(new int[0], LLAMA3.encode("", false, true));
    }
}
