// Host harness for sl::cuda::attention_decode compiled through the emulation shim (run.sh): every case
// against a float64 reference over the fp16 cache, plus the cache row the kernel stores and its Q8_1 output.
#include <atomic>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

#include "core/half.h"
#include "core/status.h"
#include "cuda/ops.h"
#include "cuda/rope_angle.cuh"

namespace {
constexpr uint16_t kHalfNan = 0x7e00;
double g_tol = 2e-5;  // relative error bound (per head, L2) for a pass


struct Case {
    std::string group;  // report group
    int D, n_head_kv, group_size, n_pos, max_ctx, kv_pad;
    bool rope, knew, q8;
    float q_sigma;
};

struct Result {
    double rel = 0;       // max over heads of ||out_h - ref_h|| / ||ref_h||
    double max_elem = 0;  // max |out - ref| / max|ref| over the case
    long long bad = 0;    // non-finite outputs
    long long cache_bad = 0, kulp1 = 0, q8_bad = 0, input_bad = 0;  // input_bad: also a wrong RoPE table
    bool threw = false;
    std::string what;
    double tol = 0;  // g_tol scaled by the score magnitude (fp32 score rounding grows with |q.k|)
    bool pass() const { return !threw && bad == 0 && cache_bad == 0 && q8_bad == 0 && input_bad == 0 && rel < tol; }
};

int ulp_dist(uint16_t a, uint16_t b) {
    auto key = [](uint16_t h) { return (h & 0x8000) ? -int(h & 0x7fff) : int(h); };
    return std::abs(key(a) - key(b));
}

// (cos, sin) in double of pair i at position pos.
// Pair (x0, x1) at dims i, i + 1 rotated by RoPE at pos in double (dims past n_rot stay).
void rotate_pair(int n_rot, double base, int64_t pos, int i, double& x0, double& x1) {
    if (i >= n_rot) return;
    const double theta = double(pos) * std::pow(base, -2.0 * (i / 2) / n_rot);
    const double c = std::cos(theta), s = std::sin(theta);
    const double y0 = x0 * c - x1 * s, y1 = x0 * s + x1 * c;
    x0 = y0, x1 = y1;
}

// Runs one call. Cache: k/v (max_ctx rows of kvw halves), updated in place to what the cache must hold after.
// ws: workspace reused across calls when given.
Result run_one(const Case& c, int pos, std::vector<uint16_t>& k, std::vector<uint16_t>& v, const std::vector<float>& q,
               const std::vector<float>& k_new, const std::vector<float>& v_new, Aligned<uint8_t>* ws_shared) {
    Result r;
    r.tol = g_tol * std::max(1.0f, c.q_sigma / 4.0f);
    const int D = c.D, nkv = c.n_head_kv, nh = nkv * c.group_size;
    const int64_t kvw = int64_t{nkv} * D + c.kv_pad;
    const int n_rot = c.rope ? D : 0;
    const double base = 500000.0;
    Aligned<uint16_t> dk(k.size()), dv(v.size());
    std::memcpy(dk.get(), k.data(), k.size() * 2);
    std::memcpy(dv.get(), v.data(), v.size() * 2);
    Aligned<float> dq(q.size()), dkn(k_new.size()), dvn(v_new.size()), dout(q.size());
    std::memcpy(dq.get(), q.data(), q.size() * 4);
    std::memcpy(dkn.get(), k_new.data(), k_new.size() * 4);
    std::memcpy(dvn.get(), v_new.data(), v_new.size() * 4);
    for (size_t i = 0; i < q.size(); ++i) dout.get()[i] = NAN;
    Aligned<int32_t> dpos(1);
    dpos.get()[0] = pos;
    const size_t q8_bytes = size_t(nh) * D / 32 * 36;
    Aligned<uint8_t> dq8(q8_bytes);
    std::memset(dq8.get(), 0xAB, q8_bytes);
    const size_t wsb = sl::cuda::attention_decode_workspace_bytes(nh, D, c.max_ctx);
    Aligned<uint8_t> ws_own(ws_shared ? 1 : wsb);
    Aligned<uint8_t>& ws = ws_shared ? *ws_shared : ws_own;
    if (!ws_shared) std::memset(ws.get(), 0xff, wsb);  // NaN
    const float scale = 1.0f / std::sqrt(float(D));
    const sl::cuda::AttentionArgs a{nh, nkv, D, scale, dk.get(), dv.get(), kvw};
    const sl::cuda::RopeArgs rope{n_rot, D, float(base), 1.0f, nullptr};
    // The step's angle table from the rope_angles kernel (rope.cu), held to rope_angle itself.
    Aligned<float> dcs{static_cast<size_t>(D)};
    for (int i = 0; i < D; ++i) dcs.get()[i] = NAN;
    try {
        sl::cuda::rope_angles(rope, dpos.get(), dcs.get(), nullptr);
        for (int i = 0; i < n_rot / 2; ++i) {
            const float2 cs = sl::cuda::rope_angle(rope, pos, i);
            r.input_bad += dcs.get()[2 * i] != cs.x || dcs.get()[2 * i + 1] != cs.y;
        }
        for (int i = n_rot; i < D; ++i) r.input_bad += !std::isnan(dcs.get()[i]);  // nothing past n_rot / 2 pairs
        sl::cuda::attention_decode(a, rope, n_rot > 0 ? dcs.get() : nullptr, dq.get(), c.knew ? dkn.get() : nullptr, c.knew ? dvn.get() : nullptr, dpos.get(),
                                   c.max_ctx, dout.get(), c.q8 ? dq8.get() : nullptr, ws.get(), nullptr);
    } catch (const std::exception& e) {
        r.threw = true;
        r.what = e.what();
        return r;
    }
    // Inputs untouched.
    r.input_bad += std::memcmp(dq.get(), q.data(), q.size() * 4) != 0;
    r.input_bad += std::memcmp(dkn.get(), k_new.data(), k_new.size() * 4) != 0;
    r.input_bad += std::memcmp(dvn.get(), v_new.data(), v_new.size() * 4) != 0;
    // Expected cache after the call.
    const int64_t last = int64_t{pos} * kvw;
    std::vector<uint16_t> k_used = k;  // what the reference reads for K
    if (c.knew) {
        for (int h = 0; h < nkv; ++h)
            for (int i = 0; i < D; i += 2) {
                double x0 = k_new[h * D + i], x1 = k_new[h * D + i + 1];
                rotate_pair(n_rot, base, pos, i, x0, x1);
                const uint16_t want[2] = {sl::fp32_to_fp16(float(x0)), sl::fp32_to_fp16(float(x1))};
                for (int j = 0; j < 2; ++j) {
                    const int64_t at = last + h * D + i + j;
                    const uint16_t got = dk.get()[at];
                    const int u = ulp_dist(got, want[j]);
                    if (u == 1 && c.rope) ++r.kulp1, k_used[at] = got;  // float vs double rotation: one ulp allowed
                    else if (u != 0) ++r.cache_bad, k_used[at] = want[j];
                    else k_used[at] = want[j];
                    k[at] = k_used[at];
                }
            }
        for (int64_t i = 0; i < int64_t{nkv} * D; ++i) v[last + i] = sl::fp32_to_fp16(v_new[i]);
    }
    for (size_t i = 0; i < k.size(); ++i) r.cache_bad += dk.get()[i] != k[i];
    for (size_t i = 0; i < v.size(); ++i) r.cache_bad += dv.get()[i] != v[i];
    // Reference.
    const int n_pos = std::min(pos + 1, c.max_ctx);
    double max_ref = 0, max_diff = 0;
    std::vector<double> qr(D), sc(n_pos), ref(D);
    for (int h = 0; h < nh; ++h) {
        const int64_t off = int64_t{h / c.group_size} * D;
        for (int i = 0; i < D; i += 2) {
            double x0 = q[h * D + i], x1 = q[h * D + i + 1];
            rotate_pair(n_rot, base, pos, i, x0, x1);
            qr[i] = x0, qr[i + 1] = x1;
        }
        double mx = -INFINITY;
        for (int j = 0; j < n_pos; ++j) {
            double d = 0;
            for (int i = 0; i < D; ++i) d += qr[i] * sl::fp16_to_fp32(k_used[j * kvw + off + i]);
            sc[j] = double(scale) * d;
            mx = std::max(mx, sc[j]);
        }
        double sum = 0;
        for (double& x : sc) sum += (x = std::exp(x - mx));
        std::fill(ref.begin(), ref.end(), 0.0);
        for (int j = 0; j < n_pos; ++j)
            for (int i = 0; i < D; ++i) ref[i] += sc[j] / sum * sl::fp16_to_fp32(v[j * kvw + off + i]);
        double num = 0, den = 0;
        for (int i = 0; i < D; ++i) {
            const float o = dout.get()[h * D + i];
            if (!std::isfinite(o)) {
                ++r.bad;
                continue;
            }
            num += (o - ref[i]) * (o - ref[i]);
            den += ref[i] * ref[i];
            max_ref = std::max(max_ref, std::fabs(ref[i]));
            max_diff = std::max(max_diff, std::fabs(o - ref[i]));
        }
        r.rel = std::max(r.rel, std::sqrt(num / den));
    }
    r.max_elem = max_diff / max_ref;
    if (c.q8) {
        const std::vector<uint8_t> want = host_q8_1(dout.get(), int64_t{nh} * D);
        for (size_t i = 0; i < want.size(); ++i) r.q8_bad += dq8.get()[i] != want[i];
    }
    return r;
}

std::vector<uint16_t> make_cache(std::mt19937_64& rng, int64_t rows, int64_t n_valid, int64_t kvw, int64_t width) {
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<uint16_t> c(size_t(rows * kvw), kHalfNan);
    for (int64_t r = 0; r < n_valid; ++r)
        for (int64_t i = 0; i < width; ++i) c[r * kvw + i] = sl::fp32_to_fp16(dist(rng));
    return c;
}
std::vector<float> randn(std::mt19937_64& rng, size_t n, float sigma) {
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
}

Result run_case(const Case& c, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const int64_t kvw = int64_t{c.n_head_kv} * c.D + c.kv_pad;
    const int nh = c.n_head_kv * c.group_size;
    std::vector<uint16_t> k = make_cache(rng, c.max_ctx, c.n_pos, kvw, int64_t{c.n_head_kv} * c.D);
    std::vector<uint16_t> v = make_cache(rng, c.max_ctx, c.n_pos, kvw, int64_t{c.n_head_kv} * c.D);
    const std::vector<float> q = randn(rng, size_t(nh) * c.D, c.q_sigma);
    const std::vector<float> kn = randn(rng, size_t(kvw), 1.0f), vn = randn(rng, size_t(kvw), 1.0f);
    if (c.knew)
        for (int64_t i = 0; i < kvw; ++i) k[(c.n_pos - 1) * kvw + i] = v[(c.n_pos - 1) * kvw + i] = kHalfNan;
    return run_one(c, c.n_pos - 1, k, v, q, kn, vn, nullptr);
}

// One workspace and cache over a sequence of positions (as a replayed CUDA graph sees them).
Result run_sequence(const Case& base, uint64_t seed, const std::vector<int>& positions) {
    std::mt19937_64 rng(seed);
    Case c = base;
    const int64_t kvw = int64_t{c.n_head_kv} * c.D + c.kv_pad;
    const int nh = c.n_head_kv * c.group_size;
    std::vector<uint16_t> k = make_cache(rng, c.max_ctx, c.max_ctx, kvw, int64_t{c.n_head_kv} * c.D);
    std::vector<uint16_t> v = make_cache(rng, c.max_ctx, c.max_ctx, kvw, int64_t{c.n_head_kv} * c.D);
    const size_t wsb = sl::cuda::attention_decode_workspace_bytes(nh, c.D, c.max_ctx);
    Aligned<uint8_t> ws(wsb);
    std::memset(ws.get(), 0xff, wsb);
    Result worst;
    worst.tol = g_tol * std::max(1.0f, c.q_sigma / 4.0f);
    for (size_t s = 0; s < positions.size(); ++s) {
        c.knew = s % 2 == 1;
        const std::vector<float> q = randn(rng, size_t(nh) * c.D, c.q_sigma);
        const std::vector<float> kn = randn(rng, size_t(kvw), 1.0f), vn = randn(rng, size_t(kvw), 1.0f);
        const Result r = run_one(c, positions[s], k, v, q, kn, vn, &ws);
        worst.rel = std::max(worst.rel, r.rel);
        worst.max_elem = std::max(worst.max_elem, r.max_elem);
        worst.bad += r.bad, worst.cache_bad += r.cache_bad, worst.kulp1 += r.kulp1, worst.q8_bad += r.q8_bad;
        worst.input_bad += r.input_bad;
        if (r.threw) worst.threw = true, worst.what = r.what;
    }
    return worst;
}
}  // namespace

int main(int argc, char** argv) {
    const bool quick = parse_options(argc, argv, &g_tol);
    std::vector<Case> cases;
    const int groups[] = {1, 2, 3, 4, 6, 8, 16};
    const int n_poses[] = {1, 2, 63, 64, 65, 257, 641, 1000};
    int idx = 0;
    for (int D : {64, 128})
        for (bool rope : {false, true})
            for (bool knew : {false, true})
                for (int g : groups)
                    for (int np : n_poses) {
                        // Vary max_ctx, n_head_kv and padding deterministically over the grid.
                        const int sel = idx++;
                        const int max_ctxs[] = {np, np + 1, (np + 63) / 64 * 64 + 64, 8192};
                        const int max_ctx = max_ctxs[sel % 4];
                        const int nkv = g == 16 ? 1 : (sel / 4 % 3 == 0 ? 1 : sel / 4 % 3 == 1 ? 2 : 3);
                        const int pad = (sel / 3 % 3) * 8;
                        const std::string name = "D" + std::to_string(D) + (rope ? " rope" : " norope") + (knew ? " knew" : " cache");
                        cases.push_back({name, D, nkv, g, np, max_ctx, pad, rope, knew, knew || sel % 2, sel % 5 == 0 ? 4.0f : 1.0f});
                    }
    // Extras: several pass-2 slices, long contexts (past the walk pass 2 holds), odd groups (G 5, 7; 12 -> G 6 twice), many KV heads.
    for (int D : {64, 128})
        for (bool rope : {false, true}) {
            const std::string x = "extra D" + std::to_string(D) + (rope ? " rope" : " norope");
            cases.push_back({x, D, 2, 4, 257, 8192, 0, rope, true, true, 1.0f});
            cases.push_back({x, D, 1, 8, 1000, 8192, 8, rope, false, true, 1.0f});
            cases.push_back({x, D, 1, 8, 8192, 8192, 0, rope, true, true, 1.0f});
            cases.push_back({x, D, 2, 5, 641, 4096, 0, rope, true, true, 2.0f});
            cases.push_back({x, D, 1, 7, 333, 2000, 8, rope, false, true, 1.0f});
            cases.push_back({x, D, 2, 12, 129, 3000, 16, rope, true, true, 1.0f});
            cases.push_back({x, D, 8, 4, 700, 1024, 0, rope, true, true, 1.0f});
            cases.push_back({x, D, 4, 1, 2048, 2048, 8, rope, false, false, 8.0f});
            // Past 8192 positions a pass-2 thread walks more chunks than it holds in registers.
            cases.push_back({x, D, 1, 4, 10000, 10240, 0, rope, true, true, 2.0f});
            // Peaky softmax: scores spread over hundreds of log2 units (exp2 of an unsubtracted max overflows).
            cases.push_back({"peaky" + x.substr(5), D, 2, 4, 641, 1024, 0, rope, true, true, 40.0f});
            cases.push_back({"peaky" + x.substr(5), D, 1, 8, 1000, 8192, 8, rope, false, true, 100.0f});
        }
    if (quick) {
        std::vector<Case> q;
        for (size_t i = 0; i < cases.size(); i += 7) q.push_back(cases[i]);
        cases = q;
    }
    struct Seq { Case c; std::vector<int> pos; };
    std::vector<Seq> seqs = {
        {{"sequence (shared workspace)", 128, 2, 4, 0, 2048, 0, true, false, true, 1.0f}, {700, 3, 1500, 64, 63, 2047, 0, 1000}},
        {{"sequence (shared workspace)", 64, 3, 2, 0, 8192, 8, false, false, true, 2.0f}, {5000, 10, 8191, 64, 1, 300}},
    };
    const size_t total = cases.size() + seqs.size();
    std::vector<Result> results(total);
    run_on_every_core(total, [&](size_t i) {
        if (i < cases.size()) results[i] = run_case(cases[i], 1000 + i);
        else results[i] = run_sequence(seqs[i - cases.size()].c, 1000 + i, seqs[i - cases.size()].pos);
    });

    struct Agg { int n = 0, fail = 0; double rel = 0, elem = 0; long long kulp = 0; };
    std::map<std::string, Agg> agg;
    int fails = 0;
    for (size_t i = 0; i < total; ++i) {
        const Case& c = i < cases.size() ? cases[i] : seqs[i - cases.size()].c;
        const Result& r = results[i];
        Agg& a = agg[c.group];
        ++a.n;
        a.rel = std::max(a.rel, r.rel), a.elem = std::max(a.elem, r.max_elem), a.kulp += r.kulp1;
        if (!r.pass()) {
            ++a.fail, ++fails;
            if (fails <= 12)
                std::printf("FAIL %-28s D %3d heads %2d/%d pad %2d n_pos %5d max_ctx %5d q8 %d | rel %.2e bad %lld cache %lld q8 %lld in %lld %s\n",
                            c.group.c_str(), c.D, c.n_head_kv * c.group_size, c.n_head_kv, c.kv_pad, c.n_pos, c.max_ctx, c.q8,
                            r.rel, r.bad, r.cache_bad, r.q8_bad, r.input_bad, r.threw ? r.what.c_str() : "");
        }
    }
    std::printf("%-30s %5s %5s %12s %12s %8s\n", "group", "cases", "fail", "worst rel", "worst elem", "k 1ulp");
    for (auto& [name, a] : agg)
        std::printf("%-30s %5d %5d %12.3e %12.3e %8lld\n", name.c_str(), a.n, a.fail, a.rel, a.elem, a.kulp);
    std::printf("TOTAL cases %zu failed %d (tol %.1e)\n", total, fails, g_tol);
    return fails ? 1 : 0;
}
