package dev.sluice.server;

import java.time.Duration;

/**
 * How {@code sluice serve} listens and schedules; the names follow llama-server's options.
 *
 * @param host           address to bind; loopback unless asked otherwise
 * @param port           TCP port; 0 picks a free one (tests)
 * @param parallel       slots: requests generated at once, each with its own KV cache
 * @param queue          requests that may wait for a slot; more get 429
 * @param contextLength  KV cache positions per slot; 0 = the model's default
 * @param apiKey         required as {@code Authorization: Bearer KEY}, or null for none
 * @param requestTimeout the longest a request may wait and generate; it then ends with {@code length}
 * @param maxBodyBytes   request bodies above this get 413
 */
public record ServerOptions(String host, int port, int parallel, int queue, int contextLength, String apiKey,
                            Duration requestTimeout, int maxBodyBytes) {
    public ServerOptions {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must be given");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (parallel < 1 || queue < 0 || contextLength < 0 || maxBodyBytes < 1) {
            throw new IllegalArgumentException("parallel must be >= 1 and queue, context length >= 0, body limit >= 1");
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("the request timeout must be positive");
        }
        if (apiKey != null && apiKey.isEmpty()) {
            apiKey = null;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: 127.0.0.1:8080, 4 slots, 64 waiting, the model's context, no key, 10 minutes, 4 MiB bodies. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private int parallel = 4;
        private int queue = 64;
        private int contextLength;
        private String apiKey;
        private Duration requestTimeout = Duration.ofMinutes(10);
        private int maxBodyBytes = 4 << 20;

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder parallel(int parallel) {
            this.parallel = parallel;
            return this;
        }

        public Builder queue(int queue) {
            this.queue = queue;
            return this;
        }

        public Builder contextLength(int contextLength) {
            this.contextLength = contextLength;
            return this;
        }

        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        public Builder maxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public ServerOptions build() {
            return new ServerOptions(host, port, parallel, queue, contextLength, apiKey, requestTimeout, maxBodyBytes);
        }
    }
}
