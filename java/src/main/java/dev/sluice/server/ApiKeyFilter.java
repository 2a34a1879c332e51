package dev.sluice.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Requires {@code Authorization: Bearer KEY} on every endpoint but {@code /health} (a liveness probe
 * learns nothing from it). Digests are compared, in constant time, so neither the key's content nor
 * its length shows in the response time.
 */
final class ApiKeyFilter implements Filter {
    private final byte[] expected;

    ApiKeyFilter(String apiKey) {
        this.expected = sha256("Bearer " + apiKey);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        boolean open = req.path().path().equals("/health");
        boolean authorized = req.headers().first(HeaderNames.AUTHORIZATION)
                .map(value -> MessageDigest.isEqual(sha256(value), expected))
                .orElse(false);
        if (open || authorized) {
            chain.proceed();
        } else {
            Responses.error(res, ApiException.unauthorized());
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
