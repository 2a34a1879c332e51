package dev.sluice.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Optional;

/** {@code chat.completion} objects and {@code chat.completion.chunk} stream events. */
final class ChatFormat implements ResponseFormat {
    private final String id = Ids.next("chatcmpl-");
    private final long created = System.currentTimeMillis() / 1000;
    private final String model;

    ChatFormat(String model) {
        this.model = model;
    }

    @Override
    public Object complete(String text, String finishReason, Usage usage) {
        return new ChatCompletion(id, "chat.completion", created, model,
                List.of(new Choice(0, new Message("assistant", text), finishReason)), usage);
    }

    @Override
    public Optional<Object> opening() {
        return Optional.of(chunk(new Delta("assistant", ""), null));
    }

    @Override
    public Object chunk(String text) {
        return chunk(new Delta(null, text), null);
    }

    @Override
    public Object closing(String finishReason) {
        return chunk(new Delta(null, null), finishReason);
    }

    @Override
    public Object usage(Usage usage) {
        return new Chunk(id, "chat.completion.chunk", created, model, List.of(), usage);
    }

    private Chunk chunk(Delta delta, String finishReason) {
        return new Chunk(id, "chat.completion.chunk", created, model, List.of(new ChunkChoice(0, delta, finishReason)),
                null);
    }

    record ChatCompletion(String id, String object, long created, String model, List<Choice> choices, Usage usage) {}

    record Choice(int index, Message message, String finishReason) {}

    record Message(String role, String content) {}

    record Chunk(String id, String object, long created, String model, List<ChunkChoice> choices, Usage usage) {}

    /** {@code finish_reason} is null until the closing chunk, and OpenAI writes that null. */
    record ChunkChoice(int index, Delta delta, @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {}

    record Delta(String role, String content) {}
}
