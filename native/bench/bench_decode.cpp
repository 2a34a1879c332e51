// End-to-end decode speed through the C ABI on a random-weight model beside the bandwidth it is
// bound by, measured in the same run.
// CPU: Llama-3.2-1B shapes (16 layers, 2048/8192, 32/8 heads, 128256 vocab, untied output):
// prompt processing of 64 tokens and token generation, with float and with 8-bit activations,
// beside the plain memory read bandwidth.
//   sluice_bench_decode TYPE [threads, default 2] [repetitions, default 5]
// CUDA: Llama-3.1-8B shapes: pp512, then generation natively (device argmax fed back, as `sluice
// bench` reports its native loop) beside the device-to-device copy bandwidth.
//   sluice_bench_decode --cuda TYPE [tokens generated, default 128] [repetitions, default 3]
//                       [prompt tokens, default 512: decode then runs at that depth of context]
// TYPE: q8_0, q4_0, q4_k_m (Q4_K with Q6_K where llama-quantize puts it), q6_k, f16 or bf16. The
// random-weight model is written once to /tmp/sluice_bench_{1b,8b}_TYPE.bin (raw tensors at known
// offsets, as the tests do) and reused by later runs. CPU speeds are best / median of the
// repetitions, in wall time and in CPU time (what the threads would reach with a core each: the
// development machine is shared).
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "sluice/sluice.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int32_t kPromptTokens = 64;
constexpr int32_t kGenTokens = 16;
// Distinct random rows per tensor, tiled over its rows: contents do not matter for speed, and
// quantizing 1.5B Gaussian floats would take minutes.
constexpr int64_t kDistinctRows = 32;

sl_hparams llama_1b() {
    sl_hparams hp{};
    hp.n_vocab = 128256, hp.n_ctx_train = 4096, hp.n_embd = 2048, hp.n_layer = 16, hp.n_head = 32;
    hp.n_head_kv = 8, hp.n_ff = 8192, hp.head_dim = 64, hp.n_rot = 64, hp.rope_freq_base = 500000.0f;
    hp.rope_freq_scale = 1.0f, hp.rms_eps = 1e-5f, hp.tied_output = 0;
    return hp;
}

sl_hparams llama_8b() {
    sl_hparams hp = llama_1b();
    hp.n_embd = 4096, hp.n_layer = 32, hp.n_ff = 14336, hp.head_dim = 128, hp.n_rot = 128;
    return hp;
}

// llama-quantize's use_more_bits: the layers whose attn_v and ffn_down Q4_K_M keeps in Q6_K.
bool use_more_bits(int32_t layer, int32_t n_layer) {
    return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

struct Mix {
    const char* name;
    sl_type base;
    sl_type more_bits;  // output, and attn_v / ffn_down of the use_more_bits layers
};

const Mix kMixes[] = {{"q8_0", SL_TYPE_Q8_0, SL_TYPE_Q8_0}, {"q4_0", SL_TYPE_Q4_0, SL_TYPE_Q4_0},
                      {"q4_k_m", SL_TYPE_Q4_K, SL_TYPE_Q6_K}, {"q6_k", SL_TYPE_Q6_K, SL_TYPE_Q6_K},
                      {"f16", SL_TYPE_F16, SL_TYPE_F16},      {"bf16", SL_TYPE_BF16, SL_TYPE_BF16}};

sl_type type_of(const Mix& mix, int32_t role, int32_t layer, int32_t n_layer) {
    if (role == SL_ROLE_OUTPUT) return mix.more_bits;
    if ((role == SL_ROLE_ATTN_V || role == SL_ROLE_FFN_DOWN) && use_more_bits(layer, n_layer)) return mix.more_bits;
    return mix.base;
}

// The tensor table of the model, with offsets as write_model lays the file out.
std::vector<sl_tensor_desc> tensor_table(const sl_hparams& hp, const Mix& mix) {
    std::vector<sl_tensor_desc> table;
    uint64_t offset = 0;
    const auto add = [&](int32_t role, int32_t layer, sl_type type, int64_t cols, int64_t rows) {
        uint64_t size = 0;
        sl_type_size(type, cols * rows, &size);
        table.push_back({role, layer, type, rows > 1 ? 2 : 1, {cols, rows, 1, 1}, offset, size});
        offset = (offset + size + 31) / 32 * 32;
    };
    const int64_t embd = hp.n_embd, kv = int64_t{hp.n_head_kv} * hp.head_dim;
    add(SL_ROLE_TOKEN_EMBD, -1, mix.base, embd, hp.n_vocab);
    add(SL_ROLE_OUTPUT_NORM, -1, SL_TYPE_F32, embd, 1);
    add(SL_ROLE_OUTPUT, -1, type_of(mix, SL_ROLE_OUTPUT, -1, hp.n_layer), embd, hp.n_vocab);
    for (int32_t l = 0; l < hp.n_layer; ++l) {
        const auto matrix = [&](int32_t role, int64_t cols, int64_t rows) {
            add(role, l, type_of(mix, role, l, hp.n_layer), cols, rows);
        };
        add(SL_ROLE_ATTN_NORM, l, SL_TYPE_F32, embd, 1);
        matrix(SL_ROLE_ATTN_Q, embd, embd);
        matrix(SL_ROLE_ATTN_K, embd, kv);
        matrix(SL_ROLE_ATTN_V, embd, kv);
        matrix(SL_ROLE_ATTN_OUTPUT, embd, embd);
        add(SL_ROLE_FFN_NORM, l, SL_TYPE_F32, embd, 1);
        matrix(SL_ROLE_FFN_GATE, embd, hp.n_ff);
        matrix(SL_ROLE_FFN_UP, embd, hp.n_ff);
        matrix(SL_ROLE_FFN_DOWN, hp.n_ff, embd);
    }
    return table;
}

// Norms are ones; matrices are Gaussian with std 0.5 / sqrt(fan_in), quantized.
bool write_model(const std::string& path, const std::vector<sl_tensor_desc>& table) {
    std::ofstream file(path, std::ios::binary);
    std::mt19937 rng(42);
    std::vector<float> rows;
    std::vector<uint8_t> bytes;
    for (const sl_tensor_desc& t : table) {
        const int64_t cols = t.ne[0], rows_total = t.ne[1];
        bytes.resize(t.size);
        if (t.type == SL_TYPE_F32) {
            const std::vector<float> ones(size_t(cols), 1.0f);
            std::memcpy(bytes.data(), ones.data(), t.size);
        } else {
            const int64_t distinct = std::min(rows_total, kDistinctRows);
            std::normal_distribution<float> normal(0.0f, 0.5f / std::sqrt(float(cols)));
            rows.resize(size_t(cols * distinct));
            for (float& v : rows) v = normal(rng);
            const uint64_t distinct_bytes = t.size / uint64_t(rows_total) * uint64_t(distinct);
            if (sl_quantize(t.type, rows.data(), cols * distinct, bytes.data(), distinct_bytes) != SL_OK) return false;
            for (uint64_t done = distinct_bytes; done < t.size; done += distinct_bytes)
                std::memcpy(bytes.data() + done, bytes.data(), std::min(distinct_bytes, t.size - done));
        }
        file.seekp(std::streamoff(t.offset));
        file.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(t.size));
    }
    return bool(file);
}

struct Stats {
    double best, median;
};

Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v.back(), v[v.size() / 2]};
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Seconds of CPU time the whole process has used.
double process_cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

struct Speeds {
    Stats pp, tg;  // tok/s of wall time
    // tok/s if every thread had a core to itself: tokens / (CPU seconds / threads). The machine
    // is shared, so wall time also counts the time our threads waited for a core.
    Stats pp_cpu, tg_cpu;
};

// pp: one batch of kPromptTokens; tg: kGenTokens single-token decodes after it. Each repetition
// starts from an empty cache.
bool measure(sl_model* model, int32_t n_vocab, int32_t threads, int reps, Speeds* out) {
    sl_session* session = nullptr;
    if (sl_session_create(model, kPromptTokens + kGenTokens, &session) != SL_OK) return false;
    std::vector<int32_t> tokens(kPromptTokens + kGenTokens);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = int32_t(i * 7919 % size_t(n_vocab));
    std::vector<float> logits(static_cast<size_t>(n_vocab));
    std::vector<double> pp, tg, pp_cpu, tg_cpu;
    bool ok = true;
    for (int rep = 0; rep < reps && ok; ++rep) {
        ok = sl_session_truncate(session, 0) == SL_OK;
        auto start = Clock::now();
        double cpu_start = process_cpu_seconds();
        ok = ok && sl_session_decode(session, tokens.data(), kPromptTokens, logits.data(), 0) == SL_OK;
        pp.push_back(kPromptTokens / seconds_since(start));
        pp_cpu.push_back(kPromptTokens * threads / (process_cpu_seconds() - cpu_start));
        start = Clock::now();
        cpu_start = process_cpu_seconds();
        for (int32_t t = kPromptTokens; t < kPromptTokens + kGenTokens && ok; ++t)
            ok = sl_session_decode(session, &tokens[size_t(t)], 1, logits.data(), 0) == SL_OK;
        tg.push_back(kGenTokens / seconds_since(start));
        tg_cpu.push_back(kGenTokens * threads / (process_cpu_seconds() - cpu_start));
    }
    sl_session_free(session);
    if (ok) *out = {stats(pp), stats(tg), stats(pp_cpu), stats(tg_cpu)};
    return ok;
}

int fail(const char* what) {
    std::fprintf(stderr, "error: %s: %s\n", what, sl_last_error());
    return 1;
}

// The model's file, written unless an earlier run left it; the bytes one generated token reads
// (every matrix and norm, and one row of the embedding table).
bool prepare(const std::string& path, const std::vector<sl_tensor_desc>& table, double* token_bytes) {
    struct stat st;
    const uint64_t file_size = table.back().offset + table.back().size;
    if ((stat(path.c_str(), &st) != 0 || uint64_t(st.st_size) < file_size) && !write_model(path, table)) return false;
    *token_bytes = 0;
    for (const sl_tensor_desc& t : table)
        *token_bytes += t.role == SL_ROLE_TOKEN_EMBD ? double(t.size) / double(t.ne[1]) : double(t.size);
    return true;
}

int bench_cpu(const Mix& mix, int32_t threads, int reps) {
    const sl_hparams hp = llama_1b();
    const std::vector<sl_tensor_desc> table = tensor_table(hp, mix);
    const std::string path = std::string("/tmp/sluice_bench_1b_") + mix.name + ".bin";
    double token_bytes = 0;
    if (!prepare(path, table, &token_bytes)) return fail("writing the model");

    // The best of a few probes: the machine is shared, and a probe slowed by a neighbour would
    // flatter the fractions below.
    double read_bps = 0;
    for (int probe = 0; probe < 3; ++probe) {
        double bps = 0;
        if (sl_measure_host_bandwidth(256ull << 20, threads, &bps) != SL_OK) return fail("bandwidth");
        read_bps = std::max(read_bps, bps);
    }
    std::printf("%s, %d threads, best/median of %d; %.3f GB per token; plain read %.1f GB/s -> roofline %.1f tok/s\n",
                mix.name, threads, reps, token_bytes / 1e9, read_bps / 1e9, read_bps / token_bytes);
    for (int32_t q8 : {0, 1}) {
        const sl_model_params params{path.c_str(), SL_BACKEND_CPU, 0, threads, nullptr, q8};
        sl_model* model = nullptr;
        if (sl_model_load(&params, &hp, table.data(), int32_t(table.size()), &model) != SL_OK) return fail("loading");
        Speeds s{};
        const bool ok = measure(model, hp.n_vocab, threads, reps, &s);
        sl_model_free(model);
        if (!ok) return fail("decoding");
        std::printf("  %-5s activations: pp%d %6.1f / %6.1f tok/s   tg %5.2f / %5.2f tok/s (%.0f%% of read bandwidth)"
                    "   per CPU time: pp %6.1f / %6.1f  tg %5.2f / %5.2f\n",
                    q8 ? "8-bit" : "float", kPromptTokens, s.pp.best, s.pp.median, s.tg.best, s.tg.median,
                    100.0 * s.tg.best * token_bytes / read_bps, s.pp_cpu.best, s.pp_cpu.median, s.tg_cpu.best,
                    s.tg_cpu.median);
    }
    return 0;
}

// One line: pp512 tok/s, generation tok/s (best / median of 3 runs from position 512), the GB/s
// that is, and its fraction of the device copy bandwidth.
int bench_cuda(const Mix& mix, int32_t n_gen, int reps, int32_t n_prompt) {
    const sl_hparams hp = llama_8b();
    const std::vector<sl_tensor_desc> table = tensor_table(hp, mix);
    const std::string path = std::string("/tmp/sluice_bench_8b_") + mix.name + ".bin";
    double copy_bps = 0, token_bytes = 0;
    if (sl_measure_device_bandwidth(0, 1ull << 30, &copy_bps) != SL_OK) return fail("device bandwidth");
    if (!prepare(path, table, &token_bytes)) return fail("writing the model");
    const sl_model_params params{path.c_str(), SL_BACKEND_CUDA, 0, 0, nullptr, 0};
    sl_model* model = nullptr;
    if (sl_model_load(&params, &hp, table.data(), int32_t(table.size()), &model) != SL_OK) return fail("loading");
    sl_session* session = nullptr;
    if (sl_session_create(model, n_prompt + n_gen + 1, &session) != SL_OK) return fail("session");
    std::vector<int32_t> tokens(n_prompt);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = int32_t(i * 7919 % size_t(hp.n_vocab));
    std::vector<double> pp, tg;
    for (int rep = 0; rep < reps; ++rep) {
        if (sl_session_truncate(session, 0) != SL_OK) return fail("truncate");
        // The prompt's work is queued, not waited for: one token after it (which waits) closes the
        // interval, and that token's time, from the generation below, comes off it.
        const auto start = Clock::now();
        if (sl_session_decode(session, tokens.data(), n_prompt, nullptr, 0) != SL_OK) return fail("prompt");
        double seconds = 0;
        if (sl_session_bench_decode(session, tokens[0], 1, &seconds) != SL_OK) return fail("decode");
        const double prompt_and_one = seconds_since(start);
        if (sl_session_bench_decode(session, tokens[1], n_gen, &seconds) != SL_OK) return fail("decode");
        tg.push_back(n_gen / seconds);
        pp.push_back(n_prompt / (prompt_and_one - seconds / n_gen));
    }
    const uint64_t vram = sl_model_memory_in_use(model);
    sl_session_free(session);
    sl_model_free(model);
    const Stats p = stats(pp), t = stats(tg);
    std::printf("%-7s pp%d %7.0f tok/s  tg%d %6.1f / %6.1f tok/s  %5.0f GB/s  %5.1f%% of copy %4.0f GB/s  "
                "(%.2f GiB/token, VRAM %.2f GiB)\n",
                mix.name, n_prompt, p.median, n_gen, t.best, t.median, t.best * token_bytes / 1e9,
                100.0 * t.best * token_bytes / copy_bps, copy_bps / 1e9, token_bytes / double(1ull << 30),
                double(vram) / double(1ull << 30));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const bool cuda = argc > 1 && std::strcmp(argv[1], "--cuda") == 0;
    const int first = cuda ? 2 : 1;
    const Mix* mix = nullptr;
    for (const Mix& m : kMixes)
        if (argc > first && std::strcmp(argv[first], m.name) == 0) mix = &m;
    if (!mix) {
        std::fprintf(stderr, "usage: sluice_bench_decode TYPE [threads] [repetitions]\n"
                             "       sluice_bench_decode --cuda TYPE [tokens] [repetitions] [prompt tokens]\n"
                             "TYPE: q8_0 q4_0 q4_k_m q6_k f16 bf16\n");
        return 2;
    }
    if (cuda)
        return bench_cuda(*mix, argc > 3 ? std::max(1, std::atoi(argv[3])) : 128,
                          argc > 4 ? std::max(1, std::atoi(argv[4])) : 3, argc > 5 ? std::max(1, std::atoi(argv[5])) : 512);
    return bench_cpu(*mix, argc > 2 ? std::atoi(argv[2]) : 2, argc > 3 ? std::max(1, std::atoi(argv[3])) : 5);
}
