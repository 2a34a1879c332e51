// Thread-local error reporting and the guard that keeps C++ exceptions off the C ABI.
#pragma once

#include <cstdarg>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "sluice/sluice.h"

namespace sl {

// Records a message for sl_last_error() on this thread and returns status, so failures read as
// `return fail(SL_ERR_IO, "cannot open %s", path);`.
sl_status fail(sl_status status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Clears this thread's message; every API entry point calls it first.
void clear_error();
const char* last_error_message();

// An error thrown inside the library and turned into a status by guarded().
class Error : public std::runtime_error {
public:
    Error(sl_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
    sl_status status() const { return status_; }

private:
    sl_status status_;
};

[[noreturn]] void raise(sl_status status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// Runs body (returning sl_status) with every exception turned into a status and message.
template <class Body>
sl_status guarded(Body&& body) noexcept {
    clear_error();
    try {
        return body();
    } catch (const Error& e) {
        return fail(e.status(), "%s", e.what());
    } catch (const std::bad_alloc&) {
        return fail(SL_ERR_OUT_OF_MEMORY, "out of host memory");
    } catch (const std::exception& e) {
        return fail(SL_ERR_INTERNAL, "internal error: %s", e.what());
    } catch (...) {
        return fail(SL_ERR_INTERNAL, "internal error: unknown exception");
    }
}

}  // namespace sl
