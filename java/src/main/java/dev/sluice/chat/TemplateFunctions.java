package dev.sluice.chat;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/** The globals transformers gives chat templates: {@code raise_exception(msg)} and {@code strftime_now(fmt)}. */
public final class TemplateFunctions {
    /** Python strftime directives → java.time patterns (the ones chat templates use for dates and times). */
    private static final Map<Character, String> STRFTIME = Map.ofEntries(
            Map.entry('d', "dd"), Map.entry('e', "d"), Map.entry('m', "MM"), Map.entry('y', "yy"),
            Map.entry('Y', "yyyy"), Map.entry('b', "MMM"), Map.entry('B', "MMMM"), Map.entry('a', "EEE"),
            Map.entry('A', "EEEE"), Map.entry('H', "HH"), Map.entry('I', "hh"), Map.entry('M', "mm"),
            Map.entry('S', "ss"), Map.entry('p', "a"), Map.entry('j', "DDD"));

    private TemplateFunctions() {}

    /** Called by templates to reject a conversation; the message reaches the caller. */
    public static Object raiseException(String message) {
        throw new ChatTemplateException("the chat template rejected the conversation: " + message);
    }

    public static String strftimeNow(String format) {
        return strftime(LocalDateTime.now(), format);
    }

    static String strftime(LocalDateTime time, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            String pattern = STRFTIME.get(directive);
            if (directive == '%') {
                out.append('%');
            } else if (pattern == null) {
                throw new ChatTemplateException("strftime_now: the directive %" + directive + " is not supported");
            } else {
                out.append(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).format(time));
            }
        }
        return out.toString();
    }
}
