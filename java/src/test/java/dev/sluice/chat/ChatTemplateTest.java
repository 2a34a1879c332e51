package dev.sluice.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.gguf.GgufFile;
import dev.sluice.gguf.GgufMetadata;
import dev.sluice.testing.Golden;
import dev.sluice.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {

    private static final List<ChatMessage> SINGLE = List.of(
            ChatMessage.system("You are a helpful assistant."),
            ChatMessage.user("What is 2+2?"));
    private static final List<ChatMessage> MULTI = List.of(
            ChatMessage.system("Answer briefly."),
            ChatMessage.user("  Hi there!\n"),
            ChatMessage.assistant("Hello. How can I help?"),
            ChatMessage.user("Name a color."));

    // Written by hand from Meta's Llama-3 prompt format.
    private static final String LLAMA3_SINGLE = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            + "You are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
            + "What is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    private static final String LLAMA3_MULTI_NO_PROMPT = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            + "Answer briefly.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
            + "Hi there!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
            + "Hello. How can I help?<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
            + "Name a color.<|eot_id|>";
    private static final String ASSISTANT_HEADER = "<|start_header_id|>assistant<|end_header_id|>\n\n";

    private static GgufMetadata metadata(String relative) throws IOException {
        return GgufFile.read(Golden.file(relative)).metadata();
    }

    private static ChatTemplate modelTemplate(String relative) throws IOException {
        GgufMetadata metadata = metadata(relative);
        return ChatTemplate.fromModel(metadata, Vocabulary.from(metadata));
    }

    @Test
    void llama3ModelTemplateRendersSingleAndMultiTurnByteExact() throws IOException {
        ChatTemplate template = modelTemplate("models/tiny-llama3-Q4_K_M.gguf");
        assertEquals(LLAMA3_SINGLE, template.render(SINGLE, true));
        // this Llama-3.0 template opens the assistant turn whether asked or not
        assertEquals(LLAMA3_MULTI_NO_PROMPT + ASSISTANT_HEADER, template.render(MULTI, true));
    }

    @Test
    void builtinLlama3MatchesTheFormatAndHonoursAddGenerationPrompt() throws IOException {
        ChatTemplate template = ChatTemplate.builtin(BuiltinTemplate.LLAMA_3, Vocabulary.from(metadata("models/tiny-llama3-Q4_K_M.gguf")));
        assertEquals(LLAMA3_SINGLE, template.render(SINGLE, true));
        assertEquals(LLAMA3_MULTI_NO_PROMPT, template.render(MULTI, false));
        assertEquals(LLAMA3_MULTI_NO_PROMPT + ASSISTANT_HEADER, template.render(MULTI, true));
    }

    @Test
    void modelWithoutTemplateGetsTheBuiltinLlama2Format() throws IOException {
        ChatTemplate template = modelTemplate("models/tiny-spm-Q8_0.gguf");
        assertEquals("<s>[INST] <<SYS>>\nAnswer briefly.\n<</SYS>>\n\nHi there! [/INST] Hello. How can I help? </s>"
                + "<s>[INST] Name a color. [/INST]", template.render(MULTI, true));
        assertEquals("<s>[INST] Hi [/INST]", template.render(List.of(ChatMessage.user("Hi")), true));
    }

    @Test
    void raiseExceptionReachesTheCaller() throws IOException {
        ChatTemplate template = modelTemplate("models/tiny-spm-Q8_0.gguf");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> template.render(List.of(ChatMessage.user("a"), ChatMessage.system("b")), true));
        assertTrue(e.getMessage().contains("a system message must come first"), e.getMessage());
    }

    @Test
    void tojsonIsPythons() {
        ChatTemplate template = new ChatTemplate(
                "{{ messages[0] | tojson }}|{{ messages[0] | tojson(indent=2) }}|{{ [1, 2.5, true, none, []] | tojson }}", "", "");
        assertEquals("{\"role\": \"user\", \"content\": \"say \\\"hi\\\"\\n\\u0001é\"}|"
                        + "{\n  \"role\": \"user\",\n  \"content\": \"say \\\"hi\\\"\\n\\u0001é\"\n}|[1, 2.5, true, null, []]",
                template.render(List.of(ChatMessage.user("say \"hi\"\n\u0001é")), false));
    }

    @Test
    void strftimeFormatsLikePython() {
        assertEquals("26 Jul 2024, Friday 09:05", TemplateFunctions.strftime(LocalDateTime.of(2024, 7, 26, 9, 5), "%d %b %Y, %A %H:%M"));
    }

    @Test
    void brokenTemplateIsAClearError(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("bad.jinja"), "{% for %}");
        ChatTemplate template = ChatTemplate.fromFile(file, Vocabulary.from(metadata("models/tiny-spm-Q8_0.gguf")));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(SINGLE, true));
        assertTrue(e.getMessage().startsWith("the chat template failed"), e.getMessage());
    }
}
