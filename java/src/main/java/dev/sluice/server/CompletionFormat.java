package dev.sluice.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Optional;

/** {@code text_completion} objects; a stream sends the same object, a piece of text at a time. */
final class CompletionFormat implements ResponseFormat {
    private final String id = Ids.next("cmpl-");
    private final long created = System.currentTimeMillis() / 1000;
    private final String model;

    CompletionFormat(String model) {
        this.model = model;
    }

    @Override
    public Object complete(String text, String finishReason, Usage usage) {
        return completion(List.of(new Choice(text, 0, finishReason)), usage);
    }

    @Override
    public Optional<Object> opening() {
        return Optional.empty();
    }

    @Override
    public Object chunk(String text) {
        return completion(List.of(new Choice(text, 0, null)), null);
    }

    @Override
    public Object closing(String finishReason) {
        return completion(List.of(new Choice("", 0, finishReason)), null);
    }

    @Override
    public Object usage(Usage usage) {
        return completion(List.of(), usage);
    }

    private Completion completion(List<Choice> choices, Usage usage) {
        return new Completion(id, "text_completion", created, model, choices, usage);
    }

    record Completion(String id, String object, long created, String model, List<Choice> choices, Usage usage) {}

    /** {@code finish_reason} is null until the closing chunk, and OpenAI writes that null. */
    record Choice(String text, int index, @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {}
}
