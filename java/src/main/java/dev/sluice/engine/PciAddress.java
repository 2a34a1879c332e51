package dev.sluice.engine;

import dev.sluice.SluiceException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A PCI device address in its full form, such as {@code 0000:01:00.0}.
 *
 * @param value domain:bus:device.function, lower case
 */
public record PciAddress(String value) {
    private static final Pattern FULL = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");

    public PciAddress {
        if (value == null || !FULL.matcher(value).matches()) {
            throw new IllegalArgumentException("not a full lower-case PCI address: " + value);
        }
    }

    /** Accepts {@code 01:00.0} (domain 0000) or {@code 0000:01:00.0} in any case; anything else is refused. */
    public static PciAddress parse(String text) {
        String full = (text.length() == 7 ? "0000:" + text : text).toLowerCase(Locale.ROOT);
        if (!FULL.matcher(full).matches()) {
            throw new SluiceException("'" + text + "' is not a PCI address such as 0000:01:00.0");
        }
        return new PciAddress(full);
    }

    @Override
    public String toString() {
        return value;
    }
}
