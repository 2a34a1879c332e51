// The AVX2 decoders as plain function pointers (the matmul kernels inline them instead; tests
// compare them with the scalar decoders bit for bit).
#include "cpu/quant/unpack.h"
#include "cpu/quant/unpack_avx2.h"

namespace sl::cpu {
namespace {

template <class D>
struct PointerTo {
    static void run(UnpackFn* out) { *out = D::unpack; }
};

}  // namespace

UnpackFn avx2_unpacker(sl_type type) {
    UnpackFn unpack = nullptr;
    avx2::with_decoder<PointerTo>(type, &unpack);
    return unpack;
}

}  // namespace sl::cpu
