package dev.sluice.server;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Response ids in OpenAI's style: a prefix and random hex, unique without coordination. */
final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    static String next(String prefix) {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return prefix + HexFormat.of().formatHex(bytes);
    }
}
