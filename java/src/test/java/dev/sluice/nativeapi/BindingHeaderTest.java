package dev.sluice.nativeapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.SluiceHeader;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.MemberSetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Opaque;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JavaCPP binding agrees with sluice.h: every bound struct member exists with a type of the same
 * width, a struct that Java fills (one the header gives no {@code _init} function) has a setter for
 * every field, and the enum values Java uses are the header's.
 */
class BindingHeaderTest {
    private static final Map<String, Map<String, SluiceHeader.Field>> STRUCTS = SluiceHeader.structs();

    static Stream<Class<?>> boundStructs() {
        return Arrays.stream(SluiceNative.class.getDeclaredClasses())
                .filter(c -> c.isAnnotationPresent(Name.class) && !c.isAnnotationPresent(Opaque.class));
    }

    @ParameterizedTest
    @MethodSource("boundStructs")
    void membersExistWithTheirWidth(Class<?> binding) {
        String struct = binding.getAnnotation(Name.class).value()[0];
        Map<String, SluiceHeader.Field> fields = STRUCTS.get(struct);
        assertNotNull(fields, struct + " is not a struct of sluice.h");
        for (Method m : members(binding)) {
            SluiceHeader.Field field = fields.get(m.getName());
            assertNotNull(field, struct + "." + m.getName() + " is not in sluice.h");
            Class<?>[] params = m.getParameterTypes();
            boolean indexed = m.isAnnotationPresent(MemberSetter.class) ? params.length == 2 : params.length == 1;
            assertEquals(field.arrayLength() > 0 && !field.type().equals("char"), indexed,
                    struct + "." + m.getName() + ": arrays are bound with an index");
            Class<?> javaType = m.isAnnotationPresent(MemberSetter.class) ? params[params.length - 1] : m.getReturnType();
            assertEquals(javaTypeOf(field), javaType.isPrimitive() ? javaType : Pointer.class,
                    struct + "." + m.getName() + " is " + field.type() + " in sluice.h");
        }
    }

    @ParameterizedTest
    @MethodSource("boundStructs")
    void structsJavaFillsHaveASetterForEveryField(Class<?> binding) {
        String struct = binding.getAnnotation(Name.class).value()[0];
        Set<String> setters = members(binding).stream().filter(m -> m.isAnnotationPresent(MemberSetter.class))
                .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
        if (!setters.isEmpty() && !SluiceHeader.declaresFunction(struct + "_init")) {
            assertEquals(new TreeSet<>(STRUCTS.get(struct).keySet()), setters, struct + ": fields without a setter");
        }
    }

    @Test
    void statusCodesAreSlStatus() {
        Map<String, Integer> java = new TreeMap<>();
        for (NativeStatus s : NativeStatus.values()) {
            java.put(s == NativeStatus.OK ? "OK" : "ERR_" + s.name(), s.code());
        }
        assertEquals(SluiceHeader.enumValues("SL_").entrySet().stream()
                .filter(e -> e.getKey().equals("OK") || e.getKey().startsWith("ERR_"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new)), java);
        assertEquals(NativeStatus.INTERNAL, NativeStatus.of(1000), "an unknown code");
    }

    @Test
    void enumConstantsOfTheBindingAreTheHeaders() throws IllegalAccessException {
        int checked = 0;
        for (Field f : SluiceNative.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && f.getName().startsWith("SL_")) {
                assertEquals(SluiceHeader.enumValues("").get(f.getName()), f.getInt(null), f.getName());
                checked++;
            }
        }
        assertTrue(checked > 0, "SluiceNative declares no SL_ constants");
    }

    private static java.util.List<Method> members(Class<?> binding) {
        java.util.List<Method> members = Arrays.stream(binding.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(MemberGetter.class) || m.isAnnotationPresent(MemberSetter.class))
                .toList();
        assertFalse(members.isEmpty(), binding + " binds no members");
        return members;
    }

    /** The Java type JavaCPP passes a field of this C type as; pointers and char arrays become a Pointer. */
    private static Class<?> javaTypeOf(SluiceHeader.Field field) {
        if (field.isPointer() || field.arrayLength() > 0 && field.type().equals("char")) {
            return Pointer.class;
        }
        return switch (field.type().replace("const ", "")) {
            case "int32_t", "uint32_t", "int" -> int.class;
            case "int64_t", "uint64_t" -> long.class;
            case "float" -> float.class;
            case "double" -> double.class;
            case "int16_t", "uint16_t" -> short.class;
            case "int8_t", "uint8_t", "char" -> byte.class;
            default -> throw new AssertionError("a C type the test does not know: " + field.type());
        };
    }
}
