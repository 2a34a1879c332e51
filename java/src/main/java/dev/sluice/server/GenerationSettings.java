package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.engine.GenerationParams;
import dev.sluice.sampling.SamplerParams;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the sampling fields of a request into {@link GenerationParams}, refusing what is out of range
 * with a 400 that names the field. Unset fields take llama.cpp's defaults, as {@code sluice run} does.
 */
final class GenerationSettings {
    /** OpenAI accepts at most four stop sequences. */
    static final int MAX_STOPS = 4;

    private GenerationSettings() {}

    /**
     * @param maxTokens      the requested limit, or null for {@code defaultMaxTokens}
     * @param maxTokensParam the field it came from, for the error message
     * @param defaultMaxTokens -1 for no limit (until end of text or a full context)
     */
    static GenerationParams of(SamplingRequest r, Integer maxTokens, String maxTokensParam, int defaultMaxTokens,
                               int contextLength) {
        if (r.n() != null && r.n() != 1) {
            throw ApiException.invalid("n", "only n = 1 is supported, got " + r.n());
        }
        int limit = defaultMaxTokens;
        if (maxTokens != null) {
            if (maxTokens < 1 || maxTokens > contextLength) {
                throw ApiException.invalid(maxTokensParam, maxTokensParam + " must be in [1, " + contextLength
                        + "] (the context length), got " + maxTokens);
            }
            limit = maxTokens;
        }
        SamplerParams.Builder sampler = SamplerParams.builder();
        if (r.temperature() != null) {
            sampler.temperature((float) inRange("temperature", r.temperature(), 0, 2));
        }
        if (r.topP() != null) {
            double topP = inRange("top_p", r.topP(), 0, 1);
            if (topP == 0) {
                sampler.topK(1); // only the best token is left: greedy
            } else {
                sampler.topP((float) topP);
            }
        }
        if (r.frequencyPenalty() != null) {
            sampler.frequencyPenalty((float) inRange("frequency_penalty", r.frequencyPenalty(), -2, 2));
        }
        if (r.presencePenalty() != null) {
            sampler.presencePenalty((float) inRange("presence_penalty", r.presencePenalty(), -2, 2));
        }
        if (r.seed() != null) {
            sampler.seed(r.seed());
        }
        return GenerationParams.builder().maxTokens(limit).stopStrings(stops(r.stop())).sampler(sampler.build()).build();
    }

    static boolean stream(SamplingRequest r) {
        return Boolean.TRUE.equals(r.stream());
    }

    static boolean includeUsage(SamplingRequest r) {
        return r.streamOptions() != null && Boolean.TRUE.equals(r.streamOptions().includeUsage());
    }

    private static double inRange(String param, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw ApiException.invalid(param, param + " must be in [" + fmt(min) + ", " + fmt(max) + "], got " + value);
        }
        return value;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** {@code stop}: null, a string, or an array of at most {@link #MAX_STOPS} strings. */
    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.textValue());
        }
        if (!stop.isArray()) {
            throw ApiException.invalid("stop", "stop must be a string or an array of strings");
        }
        if (stop.size() > MAX_STOPS) {
            throw ApiException.invalid("stop", "at most " + MAX_STOPS + " stop sequences, got " + stop.size());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < stop.size(); i++) {
            if (!stop.get(i).isTextual()) {
                throw ApiException.invalid("stop[" + i + "]", "stop[" + i + "] must be a string");
            }
            out.add(stop.get(i).textValue());
        }
        return out;
    }
}
