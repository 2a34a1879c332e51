package dev.sluice.nativeapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.Device;
import dev.sluice.SluiceException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JNI glue loads, statuses become exceptions with the native message, the CPU is always found. */
class NativeBoundaryTest {
    @Test
    void nativeErrorBecomesExceptionWithItsMessage() {
        try (SluiceNative.DeviceInfo info = new SluiceNative.DeviceInfo()) {
            int status = SluiceNative.sl_device_get(-1, info);
            assertEquals(NativeStatus.INVALID_ARGUMENT, NativeStatus.of(status));
            SluiceException e = assertThrows(SluiceException.class, () -> NativeStatus.check(status));
            assertTrue(e.getMessage().contains("out of range"), e.getMessage());
            assertTrue(e.getMessage().startsWith("invalid argument: "), e.getMessage());
        }
    }

    @Test
    void successIsNoException() {
        NativeStatus.check(0);
    }

    @Test
    void unknownStatusCodesAreInternalErrors() {
        assertEquals(NativeStatus.INTERNAL, NativeStatus.of(1234));
        assertEquals(NativeStatus.INTERNAL, NativeStatus.of(-1));
    }

    @Test
    void cpuIsTheFirstDevice() {
        List<Device> devices = NativeDevices.list();
        Device cpu = devices.get(0);
        assertEquals("cpu", cpu.backend());
        assertEquals(cpu.name(), NativeDevices.cpu().name());
        assertTrue(cpu.cores() >= 1);
        assertTrue(cpu.totalMemory() > 0);
        assertFalse(cpu.name().isBlank());
        boolean gpus = devices.stream().anyMatch(d -> d.backend().equals("cuda"));
        assertEquals(!gpus, NativeDevices.cudaUnavailableReason().isPresent());
    }

    @Test
    void versionsAgree() {
        assertTrue(NativeDevices.nativeVersion().matches("\\d+\\.\\d+\\.\\d+"));
    }
}
