package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The C ABI as {@code native/include/sluice/sluice.h} declares it: enum values and struct fields, for binding tests. */
public final class SluiceHeader {
    /** A struct field: its C type without the name, and the array length (0 when not an array). */
    public record Field(String type, int arrayLength) {
        public boolean isPointer() {
            return type.contains("*");
        }
    }

    private static final String TEXT = read();

    private SluiceHeader() {}

    private static String read() {
        try {
            // comments removed, so that field and enum declarations are all that is left to match
            return Files.readString(Path.of("native/include/sluice/sluice.h")).replaceAll("(?s)/\\*.*?\\*/", "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Values of the enum constants that start with the prefix (e.g. {@code SL_ROLE_}), by the rest of the name. */
    public static Map<String, Integer> enumValues(String prefix) {
        Matcher m = Pattern.compile(Pattern.quote(prefix) + "(\\w+) = (\\d+)").matcher(TEXT);
        Map<String, Integer> map = new TreeMap<>();
        while (m.find()) {
            map.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return map;
    }

    /** The structs with a body, by name: their fields by name, in order. */
    public static Map<String, Map<String, Field>> structs() {
        Map<String, Map<String, Field>> structs = new TreeMap<>();
        Matcher m = Pattern.compile("(?s)typedef struct (\\w+) \\{(.*?)\\} \\1;").matcher(TEXT);
        while (m.find()) {
            Map<String, Field> fields = new LinkedHashMap<>();
            for (String declaration : m.group(2).split(";")) {
                Matcher d = Pattern.compile("(?s)\\s*(.*?[\\s*])(\\w+)\\s*(?:\\[(\\d+)])?\\s*").matcher(declaration);
                if (!declaration.isBlank() && d.matches()) {
                    fields.put(d.group(2), new Field(d.group(1).strip(), d.group(3) == null ? 0 : Integer.parseInt(d.group(3))));
                }
            }
            structs.put(m.group(1), fields);
        }
        return structs;
    }

    /** Whether the header declares a function of this name. */
    public static boolean declaresFunction(String name) {
        return Pattern.compile("\\b" + Pattern.quote(name) + "\\(").matcher(TEXT).find();
    }
}
