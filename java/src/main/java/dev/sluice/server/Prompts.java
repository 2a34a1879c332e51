package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.chat.ChatMessage;
import dev.sluice.chat.ChatTemplate;
import dev.sluice.chat.ChatTemplateException;
import dev.sluice.engine.Model;
import dev.sluice.tokenizer.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Request prompts to token ids: chat messages through the model's chat template, or plain text. */
final class Prompts {
    /** OpenAI's roles and the template role each becomes ({@code developer} is the newer name of {@code system}). */
    private static final Map<String, String> ROLES =
            Map.of("system", "system", "developer", "system", "user", "user", "assistant", "assistant", "tool", "tool");

    private final Model model;
    private final ChatTemplate template;
    private final int contextLength;

    Prompts(Model model, ChatTemplate template, int contextLength) {
        this.model = model;
        this.template = template;
        this.contextLength = contextLength;
    }

    int[] chat(List<ChatCompletionRequest.Message> messages) {
        if (messages == null || messages.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array");
        }
        List<ChatMessage> chat = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            chat.add(message(messages.get(i), "messages[" + i + "]"));
        }
        String rendered;
        try {
            rendered = template.render(chat, true);
        } catch (ChatTemplateException e) {
            throw ApiException.invalid("messages", "the chat template refused the messages: " + e.getMessage());
        }
        return checkLength(model.promptTokens(rendered), "messages");
    }

    int[] completion(JsonNode prompt) {
        JsonNode text = prompt != null && prompt.isArray() && prompt.size() == 1 ? prompt.get(0) : prompt;
        if (text == null || !text.isTextual()) {
            throw ApiException.invalid("prompt", "prompt must be a string (or an array of one string)");
        }
        Vocabulary vocab = model.tokenizer().vocabulary();
        int[] tokens = model.tokenizer().encode(text.textValue(), vocab.addBos(), true);
        if (tokens.length == 0) {
            throw ApiException.invalid("prompt", "the prompt is empty");
        }
        return checkLength(tokens, "prompt");
    }

    private static ChatMessage message(ChatCompletionRequest.Message m, String param) {
        if (m == null) {
            throw ApiException.invalid(param, param + " must be an object");
        }
        String role = m.role() == null ? null : ROLES.get(m.role());
        if (role == null) {
            throw ApiException.invalid(param + ".role", param + ".role must be one of system, developer, user, "
                    + "assistant, tool; got " + m.role());
        }
        return new ChatMessage(role, content(m.content(), role, param + ".content"));
    }

    /** A string, or the text parts of an array joined; null only for an assistant turn (tool calls). */
    private static String content(JsonNode content, String role, String param) {
        if (content == null || content.isNull()) {
            if (role.equals("assistant")) {
                return "";
            }
            throw ApiException.invalid(param, param + " must be a string or an array of text parts");
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw ApiException.invalid(param, param + " must be a string or an array of text parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            if (!part.path("type").asText().equals("text") || !part.path("text").isTextual()) {
                throw ApiException.invalid(param + "[" + i + "]", "only text parts ({\"type\": \"text\", \"text\": …}) "
                        + "are supported");
            }
            text.append(part.get("text").textValue());
        }
        return text.toString();
    }

    private int[] checkLength(int[] tokens, String param) {
        if (tokens.length > contextLength) {
            throw ApiException.invalid(param, "the prompt is " + tokens.length
                    + " tokens, longer than the context length of " + contextLength + " tokens");
        }
        return tokens;
    }
}
