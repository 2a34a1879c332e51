package dev.sluice.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.gguf.GgmlType;
import dev.sluice.testing.SluiceHeader;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** The Java enums of tensors that cross the C ABI carry the values sluice.h gives them. */
class NativeHeaderTest {
    @Test
    void tensorRolesMatchSlTensorRole() {
        assertEquals(SluiceHeader.enumValues("SL_ROLE_"), javaEnum(TensorRole.values(), TensorRole::nativeId));
    }

    @Test
    void tensorTypesAreSlTypes() {
        Map<String, Integer> native_ = SluiceHeader.enumValues("SL_TYPE_");
        Map<String, Integer> java = javaEnum(GgmlType.values(), GgmlType::id);
        java.forEach((name, id) -> assertEquals(native_.get(name), id, name));
    }

    static <E extends Enum<E>> Map<String, Integer> javaEnum(E[] values, ToIntFunction<E> id) {
        Map<String, Integer> map = new TreeMap<>();
        Arrays.stream(values).forEach(v -> map.put(v.name(), id.applyAsInt(v)));
        return map;
    }
}
