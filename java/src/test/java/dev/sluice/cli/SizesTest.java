package dev.sluice.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void sizesAreBinaryWithOrWithoutTheirUnitsSuffix() {
        assertEquals(24L << 30, Sizes.parse("24G"));
        assertEquals(24L << 30, Sizes.parse("24GiB"));
        assertEquals(1536L << 20, Sizes.parse("1.5g"));
        assertEquals(512L << 20, Sizes.parse("512M"));
        assertEquals(4096, Sizes.parse("4096"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("24 gigs"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1G"));
    }
}
