package dev.sluice.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * encode/decode never throw on any input, and decode(encode(s)) == s for well-formed text. Without
 * JAZZER_FUZZ this replays the seeds in TokenizerFuzzTestInputs; with it, it fuzzes for the duration.
 */
class TokenizerFuzzTest {
    @FuzzTest(maxDuration = "20s")
    @EnabledIf("dev.sluice.tokenizer.GoldenVocabularies#hasLlama3") // an assumption would count as a finding
    void llama3(FuzzedDataProvider data) {
        check(GoldenVocabularies.llama3(), data, text -> true);
    }

    /** SentencePiece writes spaces as ▁, so a ▁ in the input comes back as a space (as in SentencePiece itself). */
    @FuzzTest(maxDuration = "20s")
    void sentencePiece(FuzzedDataProvider data) {
        check(GoldenVocabularies.sentencePiece(), data, text -> text.indexOf('\u2581') < 0);
    }

    private static void check(Tokenizer tokenizer, FuzzedDataProvider data, Predicate<String> roundTrips) {
        boolean parseSpecial = data.consumeBoolean();
        boolean bos = data.consumeBoolean(); // before the rest of the input becomes the text
        int[] randomIds = data.consumeInts(8);
        String text = data.consumeRemainingAsString();
        int[] ids = tokenizer.encode(text, bos, parseSpecial);
        String decoded = tokenizer.decode(ids, parseSpecial);
        if (isWellFormed(text) && !parseSpecial && roundTrips.test(text)) {
            assertEquals(text, decoded);
        }
        int size = tokenizer.vocabulary().size();
        for (int i = 0; i < randomIds.length; i++) {
            randomIds[i] = Math.floorMod(randomIds[i], size);
        }
        tokenizer.decode(randomIds, true);
    }

    /** No lone surrogates: the text has an exact UTF-8 form. */
    private static boolean isWellFormed(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(text);
    }
}
