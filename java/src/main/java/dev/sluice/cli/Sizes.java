package dev.sluice.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Byte counts for people: binary units, three significant digits; sizes such as {@code 24G} parsed. */
final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};
    private static final Pattern SIZE = Pattern.compile("(?i)([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]?)(?:i?B)?");

    private Sizes() {}

    static String human(long bytes) {
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.3g %s", value, UNITS[unit]);
    }

    /** Parses {@code N[K|M|G|T][iB|B]} in binary units ({@code 24G} = 24 GiB, as a "24 GB" card has). */
    static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("bad size '" + text + "' (expected a number with K, M, G or T, e.g. 24G)");
        }
        int unit = m.group(2).isEmpty() ? 0 : "KMGT".indexOf(m.group(2).toUpperCase(Locale.ROOT)) + 1;
        return (long) (Double.parseDouble(m.group(1)) * (1L << (10 * unit)));
    }

    /** {@link #parse} as a picocli converter: a bad size is a usage error. */
    static final class Converter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
