package dev.sluice.server;

/**
 * Token counts of one request, as OpenAI reports them; {@code cached_tokens} is the prompt prefix whose
 * KV cache a slot reused instead of evaluating it again.
 */
record Usage(int promptTokens, int completionTokens, int totalTokens, PromptTokensDetails promptTokensDetails) {
    static Usage of(int promptTokens, int cachedTokens, int completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens,
                new PromptTokensDetails(cachedTokens));
    }

    record PromptTokensDetails(int cachedTokens) {}
}
