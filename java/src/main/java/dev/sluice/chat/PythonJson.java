package dev.sluice.chat;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=indent)}, which transformers installs as the
 * {@code tojson} filter: ", " and ": " separators without indent; one item per line with it.
 */
final class PythonJson {
    private PythonJson() {}

    /** @param indent spaces per level, or negative for the single-line form */
    static String dumps(Object value, int indent) {
        StringBuilder out = new StringBuilder();
        write(value, indent, 0, out);
        return out.toString();
    }

    private static void write(Object value, int indent, int depth, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d -> out.append(pythonFloat(d));
            case Float f -> out.append(pythonFloat(f));
            case Number n -> out.append(n);
            case Map<?, ?> map -> writeContainer('{', '}', map.entrySet().iterator(), indent, depth, out);
            case List<?> list -> writeContainer('[', ']', list.iterator(), indent, depth, out);
            case Object[] array -> writeContainer('[', ']', List.of(array).iterator(), indent, depth, out);
            default -> writeString(value.toString(), out);
        }
    }

    private static void writeContainer(char open, char close, Iterator<?> items, int indent, int depth, StringBuilder out) {
        out.append(open);
        if (!items.hasNext()) {
            out.append(close);
            return;
        }
        boolean first = true;
        while (items.hasNext()) {
            Object item = items.next();
            if (!first) {
                out.append(indent >= 0 ? "," : ", ");
            }
            first = false;
            newline(indent, depth + 1, out);
            if (item instanceof Map.Entry<?, ?> entry) {
                writeString(String.valueOf(entry.getKey()), out);
                out.append(": ");
                write(entry.getValue(), indent, depth + 1, out);
            } else {
                write(item, indent, depth + 1, out);
            }
        }
        newline(indent, depth, out);
        out.append(close);
    }

    private static void newline(int indent, int depth, StringBuilder out) {
        if (indent >= 0) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return Double.toString(d);
    }

    private static void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
