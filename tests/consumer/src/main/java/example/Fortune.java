package example;

import dev.sluice.engine.GenerationParams;
import dev.sluice.engine.Model;
import dev.sluice.engine.ModelOptions;
import dev.sluice.engine.Session;
import dev.sluice.sampling.SamplerParams;
import java.io.IOException;
import java.util.function.Consumer;

/** What a user's code does: open the demo model that ships in the Sluice jar and stream a reply. */
public final class Fortune {
    private Fortune() {}

    /** Streams up to {@code maxTokens} pieces of text after the prompt; returns how many came. */
    public static int tell(String prompt, int maxTokens, Consumer<String> out) throws IOException {
        int[] count = {0};
        try (Model model = Model.openDemo(ModelOptions.builder().threads(2).build());
             Session session = model.newSession(512)) {
            GenerationParams params = GenerationParams.builder()
                    .maxTokens(maxTokens)
                    .sampler(SamplerParams.builder().temperature(0.8f).seed(7).build())
                    .build();
            session.generate(model.tokenizer().encode(prompt), params, token -> {
                count[0]++;
                out.accept(token.text());
            });
        }
        return count[0];
    }

    public static void main(String[] args) throws IOException {
        tell(args.length > 0 ? args[0] : "The computer", 64, System.out::print);
        System.out.println();
    }
}
