// A minimal test harness: CHECK* record failures and keep going; main() returns the verdict.
// A test executable exits 0 on success, 1 on failure and 77 when skipped (ctest SKIP_RETURN_CODE).
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sltest {
inline int failures = 0;
inline int checks = 0;

inline int finish(const char* name) {
    std::printf("%s: %d checks, %d failed\n", name, checks, failures);
    return failures == 0 ? 0 : 1;
}

inline int skip(const char* name, const char* reason) {
    std::printf("%s: skipped: %s\n", name, reason);
    return 77;
}
}  // namespace sltest

#define CHECK(cond)                                                                 \
    do {                                                                            \
        ++sltest::checks;                                                           \
        if (!(cond)) {                                                              \
            ++sltest::failures;                                                     \
            std::printf("%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                           \
    } while (0)

#define CHECK_EQ(a, b)                                                                        \
    do {                                                                                      \
        ++sltest::checks;                                                                     \
        auto va_ = (a);                                                                       \
        auto vb_ = (b);                                                                       \
        if (!(va_ == vb_)) {                                                                  \
            ++sltest::failures;                                                               \
            std::printf("%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", __FILE__, __LINE__, \
                        #a, #b, (long long)va_, (long long)vb_);                             \
        }                                                                                     \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                  \
    do {                                                                                       \
        ++sltest::checks;                                                                      \
        double va_ = (a), vb_ = (b);                                                           \
        if (!(std::fabs(va_ - vb_) <= (tol))) {                                                \
            ++sltest::failures;                                                                \
            std::printf("%s:%d: CHECK_NEAR failed: %s = %.9g, %s = %.9g, tol %.3g\n", __FILE__, \
                        __LINE__, #a, va_, #b, vb_, (double)(tol));                            \
        }                                                                                      \
    } while (0)
