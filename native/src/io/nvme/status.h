// NVMe completion status: the 15-bit status field of a completion queue entry, decoded into words.
#pragma once

#include <cstdint>
#include <string>

namespace sl::nvme {

// The status field as it sits in completion dword 3 bits 31:17 (phase bit already shifted out).
struct CompletionStatus {
    uint16_t raw = 0;

    uint8_t code() const { return raw & 0xff; }            // SC
    uint8_t type() const { return (raw >> 8) & 0x7; }      // SCT
    bool more() const { return (raw >> 13) & 1; }          // M: more information in a log page
    bool do_not_retry() const { return (raw >> 14) & 1; }  // DNR
    bool ok() const { return code() == 0 && type() == 0; }
};

// "LBA Out of Range (type 0x0, code 0x80, do not retry)", and so on for every code Sluice can meet.
std::string describe(CompletionStatus status);

}  // namespace sl::nvme
