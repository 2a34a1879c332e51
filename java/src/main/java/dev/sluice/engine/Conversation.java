package dev.sluice.engine;

import dev.sluice.chat.ChatMessage;
import dev.sluice.chat.ChatTemplate;
import dev.sluice.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A multi-turn chat over one session. Each turn renders the whole conversation with the chat
 * template, keeps the KV cache of the longest prefix already evaluated, and evaluates only the rest
 * — so history is not recomputed, and a template that rewrites earlier turns still stays correct.
 */
public final class Conversation {
    private final Session session;
    private final ChatTemplate template;
    private final Tokenizer tokenizer;
    private final List<ChatMessage> messages = new ArrayList<>();
    private int[] cached = new int[0];

    public Conversation(Session session, ChatTemplate template, String systemPrompt) {
        this.session = session;
        this.template = template;
        this.tokenizer = session.model().tokenizer();
        if (systemPrompt != null && !systemPrompt.isBlank()) {
            messages.add(ChatMessage.system(systemPrompt));
        }
    }

    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /** Adds the user's message, streams the reply to {@code onToken}, and records it in the history. */
    public Generation reply(String userMessage, GenerationParams params, Consumer<GeneratedToken> onToken) {
        messages.add(ChatMessage.user(userMessage));
        int[] prompt = PromptTokens.of(tokenizer, template.render(messages, true));
        int keep = commonPrefix(cached, prompt);
        if (keep == prompt.length) {
            keep--; // the last prompt token must be evaluated again to get logits to sample from
        }
        session.truncate(keep);
        StringBuilder reply = new StringBuilder();
        int[] evaluated = Arrays.copyOf(prompt, session.contextLength());
        int[] next = {prompt.length};
        Generation g = session.generate(Arrays.copyOfRange(prompt, keep, prompt.length), params, t -> {
            reply.append(t.text());
            if (next[0] < evaluated.length) {
                evaluated[next[0]++] = t.id();
            }
            onToken.accept(t);
        });
        messages.add(ChatMessage.assistant(reply.toString()));
        // The cache holds the prompt and the generated tokens that were fed back (not the last one).
        cached = Arrays.copyOf(evaluated, session.position());
        return g;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
