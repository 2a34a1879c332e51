#include "core/status.h"

#include <cstdio>

namespace sl {
namespace {
thread_local std::string last_error;

std::string vformat(const char* fmt, va_list args) {
    va_list copy;
    va_copy(copy, args);
    int n = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    if (n < 0) return fmt;
    std::string out(static_cast<size_t>(n) + 1, '\0');
    std::vsnprintf(out.data(), out.size(), fmt, args);
    out.resize(static_cast<size_t>(n));
    return out;
}
}  // namespace

sl_status fail(sl_status status, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    last_error = vformat(fmt, args);
    va_end(args);
    return status;
}

void clear_error() { last_error.clear(); }

void raise(sl_status status, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::string message = vformat(fmt, args);
    va_end(args);
    throw Error(status, message);
}

const char* last_error_message() { return last_error.c_str(); }

}  // namespace sl

extern "C" {

const char* sl_last_error(void) { return sl::last_error_message(); }

const char* sl_status_name(sl_status status) {
    switch (status) {
        case SL_OK: return "SL_OK";
        case SL_ERR_INVALID_ARGUMENT: return "SL_ERR_INVALID_ARGUMENT";
        case SL_ERR_IO: return "SL_ERR_IO";
        case SL_ERR_FORMAT: return "SL_ERR_FORMAT";
        case SL_ERR_UNSUPPORTED: return "SL_ERR_UNSUPPORTED";
        case SL_ERR_OUT_OF_MEMORY: return "SL_ERR_OUT_OF_MEMORY";
        case SL_ERR_CONTEXT_FULL: return "SL_ERR_CONTEXT_FULL";
        case SL_ERR_BACKEND: return "SL_ERR_BACKEND";
        case SL_ERR_CANCELLED: return "SL_ERR_CANCELLED";
        case SL_ERR_INTERNAL: return "SL_ERR_INTERNAL";
    }
    return "SL_ERR_UNKNOWN";
}

}  // extern "C"
