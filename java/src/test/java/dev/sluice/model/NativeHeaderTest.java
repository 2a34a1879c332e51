package dev.sluice.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.gguf.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Java enums that cross the C ABI carry the values sluice.h gives them. */
class NativeHeaderTest {
    private static final Path HEADER = Path.of("native/include/sluice/sluice.h");

    @Test
    void tensorRolesMatchSlTensorRole() throws IOException {
        assertEquals(headerEnum("SL_ROLE_"), javaEnum(TensorRole.values(), TensorRole::nativeId));
    }

    @Test
    void tensorTypesAreSlTypes() throws IOException {
        Map<String, Integer> native_ = headerEnum("SL_TYPE_");
        Map<String, Integer> java = javaEnum(GgmlType.values(), GgmlType::id);
        java.forEach((name, id) -> assertEquals(native_.get(name), id, name));
    }

    private static <E extends Enum<E>> Map<String, Integer> javaEnum(E[] values, ToIntFunction<E> id) {
        Map<String, Integer> map = new TreeMap<>();
        Arrays.stream(values).forEach(v -> map.put(v.name(), id.applyAsInt(v)));
        return map;
    }

    private static Map<String, Integer> headerEnum(String prefix) throws IOException {
        Matcher m = Pattern.compile(Pattern.quote(prefix) + "(\\w+) = (\\d+)").matcher(Files.readString(HEADER));
        Map<String, Integer> map = new TreeMap<>();
        while (m.find()) {
            map.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return map;
    }
}
