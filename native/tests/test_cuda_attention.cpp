// Decode and prefill attention against float64 on fresh random data: the CPU backend's math
// (softmax(scale * q.K) . V per query head, head h reading KV head h / group) over the same
// fp16-rounded K/V. Cache rows past the last attended position hold NaN, so reading one shows up.
// Decode also runs as a captured CUDA graph replayed with *pos moving up and down over one workspace,
// and with the new token's K/V rows given as floats: stored by the launch, and its output also as
// Q8_1, bit-exact with the host quantizer.
// Outputs start as NaN: every element must be written, and row padding must stay NaN.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <random>
#include <vector>

#include "check.h"
#include "core/half.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"

namespace {

using sltest::DeviceBuffer;
using sltest::cuda_or_die;

constexpr uint16_t kHalfNan = 0x7e00;
constexpr double kTolerance = 1e-4;
// RoPE inside decode attention is checked through the backend (test_backend_ops) and the forward
// pass (test_llama_forward), against float64.
constexpr sl::cuda::RopeArgs kNoRope{0, 0, 0.0f, 0.0f, nullptr};

struct Shape {
    int32_t n_head, n_head_kv, head_dim;
    int64_t kv_pad;  // kv_width = n_head_kv * head_dim + kv_pad
    int64_t kv_width() const { return int64_t{n_head_kv} * head_dim + kv_pad; }
    float scale() const { return 1.0f / std::sqrt(static_cast<float>(head_dim)); }
};

// n_rows cache rows: rows < n_valid random fp16, the rest and the kv_pad columns NaN.
std::vector<uint16_t> make_cache(std::mt19937& rng, const Shape& s, int64_t n_rows, int64_t n_valid) {
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<uint16_t> c(static_cast<size_t>(n_rows * s.kv_width()), kHalfNan);
    for (int64_t r = 0; r < n_valid; ++r)
        for (int64_t i = 0; i < int64_t{s.n_head_kv} * s.head_dim; ++i) c[r * s.kv_width() + i] = sl::fp32_to_fp16(dist(rng));
    return c;
}

std::vector<float> random_floats(std::mt19937& rng, size_t n) {
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

// One query head over positions [0, n_pos), accumulated into err (num, den) against out.
void attend_ref(const Shape& s, const float* q, const std::vector<uint16_t>& k, const std::vector<uint16_t>& v,
                int32_t h, int64_t n_pos, std::vector<double>& out) {
    const int64_t off = int64_t{h / (s.n_head / s.n_head_kv)} * s.head_dim;
    std::vector<double> scores(static_cast<size_t>(n_pos));
    double mx = -INFINITY;
    for (int64_t j = 0; j < n_pos; ++j) {
        double d = 0.0;
        for (int32_t i = 0; i < s.head_dim; ++i) d += double{q[i]} * sl::fp16_to_fp32(k[j * s.kv_width() + off + i]);
        scores[j] = s.scale() * d;
        mx = std::fmax(mx, scores[j]);
    }
    double sum = 0.0;
    for (double& x : scores) sum += (x = std::exp(x - mx));
    out.assign(static_cast<size_t>(s.head_dim), 0.0);
    for (int64_t j = 0; j < n_pos; ++j)
        for (int32_t i = 0; i < s.head_dim; ++i)
            out[i] += scores[j] / sum * sl::fp16_to_fp32(v[j * s.kv_width() + off + i]);
}

// Relative error of one row of out vs ref plus the count of non-finite outputs.
struct Err {
    double num = 0, den = 0;
    int64_t bad = 0;
    void add(const float* out, const std::vector<double>& ref) {
        for (size_t i = 0; i < ref.size(); ++i) {
            if (!std::isfinite(out[i])) {
                ++bad;
                continue;
            }
            num += (out[i] - ref[i]) * (out[i] - ref[i]);
            den += ref[i] * ref[i];
        }
    }
    double rel() const { return den > 0 ? std::sqrt(num / den) : std::sqrt(num); }
};

sl::cuda::AttentionArgs args_for(const Shape& s, const DeviceBuffer<uint16_t>& k, const DeviceBuffer<uint16_t>& v) {
    return sl::cuda::AttentionArgs{s.n_head, s.n_head_kv, s.head_dim, s.scale(), k.get(), v.get(), s.kv_width()};
}

Err check_decode_output(const Shape& s, const std::vector<float>& q, const std::vector<uint16_t>& k,
                        const std::vector<uint16_t>& v, int64_t n_pos, const std::vector<float>& out) {
    Err err;
    std::vector<double> ref;
    for (int32_t h = 0; h < s.n_head; ++h) {
        attend_ref(s, q.data() + int64_t{h} * s.head_dim, k, v, h, n_pos, ref);
        err.add(out.data() + int64_t{h} * s.head_dim, ref);
    }
    return err;
}

struct DecodeCase {
    Shape s;
    int32_t n_pos, max_ctx;
};

const DecodeCase kDecodeCases[] = {
    {{8, 8, 64, 0}, 1, 16},        {{8, 4, 128, 0}, 5, 300},      {{32, 8, 128, 0}, 255, 1000},
    {{32, 8, 128, 0}, 257, 8192},  {{16, 2, 64, 8}, 1000, 1024},  {{32, 8, 128, 0}, 8192, 8192},
    {{24, 8, 64, 0}, 1000, 2000},  {{32, 2, 128, 0}, 700, 1024},  {{64, 8, 128, 0}, 4000, 8192},
    {{8, 1, 64, 0}, 129, 129},     {{32, 8, 128, 0}, 641, 641},
};

// store_new: this token's K/V rows go in as floats, to be stored at row n_pos - 1 (NaN before) by
// the launch itself; the output's Q8_1 comes out beside it.
void test_decode(std::mt19937& rng, const DecodeCase& c, bool store_new) {
    const Shape& s = c.s;
    std::vector<uint16_t> k = make_cache(rng, s, c.max_ctx, c.n_pos), v = make_cache(rng, s, c.max_ctx, c.n_pos);
    const std::vector<float> q = random_floats(rng, static_cast<size_t>(s.n_head) * s.head_dim);
    const std::vector<float> k_new = random_floats(rng, static_cast<size_t>(s.kv_width()));
    const std::vector<float> v_new = random_floats(rng, static_cast<size_t>(s.kv_width()));
    const int64_t last = int64_t{c.n_pos - 1} * s.kv_width();
    std::vector<uint16_t> k_before = k, v_before = v;
    if (store_new) {
        for (int64_t i = 0; i < s.kv_width(); ++i) {
            k_before[last + i] = v_before[last + i] = kHalfNan;
            if (i < int64_t{s.n_head_kv} * s.head_dim)
                k[last + i] = sl::fp32_to_fp16(k_new[i]), v[last + i] = sl::fp32_to_fp16(v_new[i]);
            else
                k[last + i] = v[last + i] = kHalfNan;  // the pad is not written
        }
    }
    DeviceBuffer<uint16_t> dk(k_before), dv(v_before);
    DeviceBuffer<float> dq(q), dout(std::vector<float>(q.size(), NAN)), dk_new(k_new), dv_new(v_new);
    DeviceBuffer<int32_t> dpos(std::vector<int32_t>{c.n_pos - 1});
    DeviceBuffer<uint8_t> ws(sl::cuda::attention_decode_workspace_bytes(s.n_head, s.head_dim, c.max_ctx));
    DeviceBuffer<uint8_t> dq8(static_cast<size_t>(sl::cuda::q8_1_row_bytes(int64_t{s.n_head} * s.head_dim)));
    sl::cuda::attention_decode(args_for(s, dk, dv), kNoRope, nullptr, dq.get(), store_new ? dk_new.get() : nullptr,
                               store_new ? dv_new.get() : nullptr, dpos.get(), c.max_ctx, dout.get(),
                               store_new ? dq8.get() : nullptr, ws.get(), nullptr);
    const std::vector<float> out = dout.download();
    const Err err = check_decode_output(s, q, k, v, c.n_pos, out);
    std::printf("decode  heads %2d/%d dim %3d kv_pad %lld | ctx %5d of %5d | rel err %.2e | bad %lld%s\n", s.n_head,
                s.n_head_kv, s.head_dim, (long long)s.kv_pad, c.n_pos, c.max_ctx, err.rel(), (long long)err.bad,
                store_new ? " | new row stored, Q8_1 out" : "");
    CHECK_EQ(err.bad, 0);
    CHECK(err.rel() < kTolerance);
    if (!store_new) return;
    const std::vector<uint16_t> k_after = dk.download(), v_after = dv.download();
    CHECK(std::memcmp(k_after.data(), k.data(), k.size() * 2) == 0);
    CHECK(std::memcmp(v_after.data(), v.data(), v.size() * 2) == 0);
    const std::vector<uint8_t> want = sltest::host_q8_1(out.data(), 0, 1, int64_t{s.n_head} * s.head_dim);
    CHECK(dq8.download() == want);
}

// One capture, many replays: only *pos changes, and stale chunks of a longer earlier context in the
// workspace must not leak into a shorter one. max_ctx 8192: the two passes; 1024: one launch in
// clusters on Hopper (blocks with no positions at the shortest contexts).
void test_decode_graph(std::mt19937& rng, int32_t max_ctx, std::initializer_list<int32_t> positions) {
    const Shape s{32, 8, 128, 0};
    const std::vector<uint16_t> k = make_cache(rng, s, max_ctx, max_ctx), v = make_cache(rng, s, max_ctx, max_ctx);
    const std::vector<float> q = random_floats(rng, static_cast<size_t>(s.n_head) * s.head_dim);
    DeviceBuffer<uint16_t> dk(k), dv(v);
    DeviceBuffer<float> dq(q), dout(q.size());
    DeviceBuffer<int32_t> dpos(std::vector<int32_t>{0});
    DeviceBuffer<uint8_t> ws(sl::cuda::attention_decode_workspace_bytes(s.n_head, s.head_dim, max_ctx));
    cudaStream_t stream;
    cuda_or_die(cudaStreamCreate(&stream), "cudaStreamCreate");
    // Once outside the capture: the launcher's one-time kernel configuration happens here.
    sl::cuda::attention_decode(args_for(s, dk, dv), kNoRope, nullptr, dq.get(), nullptr, nullptr, dpos.get(), max_ctx, dout.get(), nullptr,
                               ws.get(), stream);
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    cuda_or_die(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal), "cudaStreamBeginCapture");
    sl::cuda::attention_decode(args_for(s, dk, dv), kNoRope, nullptr, dq.get(), nullptr, nullptr, dpos.get(), max_ctx, dout.get(), nullptr,
                               ws.get(), stream);
    cuda_or_die(cudaStreamEndCapture(stream, &graph), "cudaStreamEndCapture");
    cuda_or_die(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
    for (const int32_t pos : positions) {
        const std::vector<float> poison(q.size(), NAN);
        cuda_or_die(cudaMemcpy(dout.get(), poison.data(), poison.size() * 4, cudaMemcpyHostToDevice), "poison");
        cuda_or_die(cudaMemcpy(dpos.get(), &pos, 4, cudaMemcpyHostToDevice), "pos");
        cuda_or_die(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
        cuda_or_die(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        const Err err = check_decode_output(s, q, k, v, int64_t{pos} + 1, dout.download());
        std::printf("graph   heads 32/8 dim 128 | pos %5d of %5d | rel err %.2e | bad %lld\n", pos, max_ctx, err.rel(),
                    (long long)err.bad);
        CHECK_EQ(err.bad, 0);
        CHECK(err.rel() < kTolerance);
    }
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    cudaStreamDestroy(stream);
}

struct PrefillCase {
    Shape s;
    int32_t n_tok, pos0;
    int64_t out_pad;
};

const PrefillCase kPrefillCases[] = {
    {{8, 8, 64, 0}, 1, 0, 0},     {{8, 2, 128, 0}, 3, 1000, 4}, {{32, 8, 128, 0}, 17, 0, 0},
    {{8, 1, 64, 8}, 100, 5, 0},   {{8, 8, 128, 0}, 512, 0, 0},  {{16, 4, 64, 0}, 33, 250, 4},
    {{4, 2, 128, 0}, 65, 7000, 0}, {{32, 8, 128, 0}, 64, 32, 0},
};

void test_prefill(std::mt19937& rng, const PrefillCase& c) {
    const Shape& s = c.s;
    const int64_t n_ctx = c.pos0 + c.n_tok + 37;  // room past the last position, all NaN
    const std::vector<uint16_t> k = make_cache(rng, s, n_ctx, c.pos0 + c.n_tok);
    const std::vector<uint16_t> v = make_cache(rng, s, n_ctx, c.pos0 + c.n_tok);
    // q rows as a fused QKV projection lays them out: q, then k and v.
    const int64_t q_width = int64_t{s.n_head} * s.head_dim;
    const int64_t ldq = q_width + 2 * int64_t{s.n_head_kv} * s.head_dim, ldo = q_width + c.out_pad;
    const std::vector<float> q = random_floats(rng, static_cast<size_t>(c.n_tok * ldq));
    DeviceBuffer<uint16_t> dk(k), dv(v);
    DeviceBuffer<float> dq(q), dout(std::vector<float>(static_cast<size_t>(c.n_tok * ldo), NAN));
    sl::cuda::attention_prefill(args_for(s, dk, dv), dq.get(), ldq, c.n_tok, c.pos0, dout.get(), ldo, nullptr);
    const std::vector<float> out = dout.download();
    Err err;
    std::vector<double> ref;
    for (int64_t t = 0; t < c.n_tok; ++t) {
        for (int32_t h = 0; h < s.n_head; ++h) {
            attend_ref(s, q.data() + t * ldq + int64_t{h} * s.head_dim, k, v, h, c.pos0 + t + 1, ref);
            err.add(out.data() + t * ldo + int64_t{h} * s.head_dim, ref);
        }
        for (int64_t i = q_width; i < ldo; ++i) err.bad += !std::isnan(out[t * ldo + i]);
    }
    std::printf("prefill heads %2d/%d dim %3d kv_pad %lld | %3d tokens at %4d | rel err %.2e | bad %lld\n", s.n_head,
                s.n_head_kv, s.head_dim, (long long)s.kv_pad, c.n_tok, c.pos0, err.rel(), (long long)err.bad);
    CHECK_EQ(err.bad, 0);
    CHECK(err.rel() < kTolerance);
}

void test_unsupported_head_dim() {
    const sl::cuda::AttentionArgs a{4, 4, 96, 0.1f, nullptr, nullptr, 384};
    bool raised = false;
    try {
        sl::cuda::attention_prefill(a, nullptr, 384, 1, 0, nullptr, 384, nullptr);
    } catch (const std::exception&) {
        raised = true;
    }
    CHECK(raised);
}

}  // namespace

int main() {
    if (const char* reason = sltest::cuda_skip_reason()) return sltest::skip("test_cuda_attention", reason);
    std::mt19937 rng(std::random_device{}());
    std::printf("(heads = query/KV; rel err = ||out - ref|| / ||ref|| vs float64; bad = unwritten or padding touched)\n");
    for (const DecodeCase& c : kDecodeCases)
        for (bool store_new : {false, true}) test_decode(rng, c, store_new);
    test_decode_graph(rng, 8192, {8191, 100, 0, 4095, 4096, 127, 128, 7000});
    test_decode_graph(rng, 1024, {1023, 5, 0, 640, 15, 16, 17, 1000});
    for (const PrefillCase& c : kPrefillCases) test_prefill(rng, c);
    test_unsupported_head_dim();
    return sltest::finish("test_cuda_attention");
}
