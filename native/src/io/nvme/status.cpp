#include "io/nvme/status.h"

#include <cstdio>

namespace sl::nvme {
namespace {

enum StatusType : uint8_t { kGeneric = 0, kCommandSpecific = 1, kMediaError = 2, kPath = 3 };

const char* generic_name(uint8_t code) {
    switch (code) {
        case 0x00: return "Successful Completion";
        case 0x01: return "Invalid Command Opcode";
        case 0x02: return "Invalid Field in Command";
        case 0x03: return "Command ID Conflict";
        case 0x04: return "Data Transfer Error";
        case 0x05: return "Commands Aborted due to Power Loss Notification";
        case 0x06: return "Internal Error";
        case 0x07: return "Command Abort Requested";
        case 0x08: return "Command Aborted due to SQ Deletion";
        case 0x0b: return "Invalid Namespace or Format";
        case 0x0d: return "Invalid SGL Segment Descriptor";
        case 0x13: return "Invalid PRP Offset";
        case 0x15: return "Operation Denied";
        case 0x80: return "LBA Out of Range";
        case 0x81: return "Capacity Exceeded";
        case 0x82: return "Namespace Not Ready";
        default: return nullptr;
    }
}

const char* command_specific_name(uint8_t code) {
    switch (code) {
        case 0x00: return "Completion Queue Invalid";
        case 0x01: return "Invalid Queue Identifier";
        case 0x02: return "Invalid Queue Size";
        case 0x05: return "Invalid Firmware Slot";
        case 0x08: return "Invalid Interrupt Vector";
        case 0x0b: return "Invalid Format";
        case 0x0c: return "Invalid Queue Deletion";
        case 0x80: return "Conflicting Attributes";
        case 0x81: return "Invalid Protection Information";
        case 0x82: return "Attempted Write to Read Only Range";
        default: return nullptr;
    }
}

const char* media_error_name(uint8_t code) {
    switch (code) {
        case 0x80: return "Write Fault";
        case 0x81: return "Unrecovered Read Error";
        case 0x82: return "End-to-end Guard Check Error";
        case 0x83: return "End-to-end Application Tag Check Error";
        case 0x84: return "End-to-end Reference Tag Check Error";
        case 0x85: return "Compare Failure";
        case 0x86: return "Access Denied";
        case 0x87: return "Deallocated or Unwritten Logical Block";
        default: return nullptr;
    }
}

const char* type_name(uint8_t type) {
    switch (type) {
        case kGeneric: return "generic";
        case kCommandSpecific: return "command specific";
        case kMediaError: return "media or data integrity error";
        case kPath: return "path related";
        default: return "vendor or reserved";
    }
}

}  // namespace

std::string describe(CompletionStatus status) {
    const char* name = nullptr;
    switch (status.type()) {
        case kGeneric: name = generic_name(status.code()); break;
        case kCommandSpecific: name = command_specific_name(status.code()); break;
        case kMediaError: name = media_error_name(status.code()); break;
        default: break;
    }
    char text[192];
    std::snprintf(text, sizeof text, "%s (%s, type 0x%x, code 0x%02x%s%s)",
                  name ? name : "unknown status", type_name(status.type()), status.type(),
                  status.code(), status.do_not_retry() ? ", do not retry" : "",
                  status.more() ? ", more in the error log" : "");
    return text;
}

}  // namespace sl::nvme
