package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.SluiceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NvmeWeightsTest {
    @ParameterizedTest
    @CsvSource({
        "nvme:0000:01:00.0@2048, 0000:01:00.0, 2048",
        "nvme:0000:01:00.0,      0000:01:00.0, 0",
        "nvme:01:00.0@0x800,     0000:01:00.0, 2048",
        "nvme:0000:AB:1F.7@7,    0000:ab:1f.7, 7",
    })
    void parsesDriveAndLba(String spec, String device, long lba) {
        assertEquals(new NvmeWeights(new PciAddress(device), lba), NvmeWeights.parse(spec));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "disk:0000:01:00.0@2048   | is not nvme:BDF[@LBA]",
        "0000:01:00.0             | is not nvme:BDF[@LBA]",
        "nvme:                    | '' is not a PCI address",
        "nvme:/dev/nvme0n1        | '/dev/nvme0n1' is not a PCI address",
        "nvme:0000:01:00.8@1      | '0000:01:00.8' is not a PCI address",
        "nvme:0000:01:00.0@       | LBA '' in 'nvme:0000:01:00.0@' is not a block number",
        "nvme:0000:01:00.0@-5     | LBA '-5'",
        "nvme:0000:01:00.0@2k     | LBA '2k'",
        "nvme:0000:01:00.0@1@2    | LBA '1@2'",
    })
    void refusesBadSpecsSayingWhy(String spec, String messagePart) {
        SluiceException e = assertThrows(SluiceException.class, () -> NvmeWeights.parse(spec));
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }

    @Test
    void recordRefusesNegativeLba() {
        assertThrows(IllegalArgumentException.class, () -> new NvmeWeights(PciAddress.parse("01:00.0"), -1));
    }

    @Test
    void addressMustBeFullAndLowerCase() {
        assertThrows(IllegalArgumentException.class, () -> new PciAddress("01:00.0"));
        assertThrows(IllegalArgumentException.class, () -> new PciAddress("0000:AB:00.0"));
        assertEquals("0000:ab:00.0", PciAddress.parse("AB:00.0").value());
    }

    @Test
    void optionsDefaultToTheFile() {
        assertEquals(null, ModelOptions.defaults().weightsFrom());
    }
}
