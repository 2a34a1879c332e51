// End to end through the C ABI: a tiny random-weight Llama written as a raw file of tensors at
// known offsets (no GGUF), loaded with its tensor table and checked against a double-precision
// forward pass; batches, token-by-token decoding, truncation, context overflow and bad tables.
// Matrices are F32, or Q8_0 for the 8-bit-activation path (which only quantized matmuls take); with
// a GPU also the CUDA backend on F32, Q4_K and Q8_0 matrices.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "cpu/quant/quant.h"
#include "formats/types.h"
#include "reference_ops.h"
#include "sluice/sluice.h"

using sltest::ref::Vec;

namespace {

struct TinySpec {
    bool rope_freqs;
    bool tied;
    float freq_scale;
    sl_type matrix_type = SL_TYPE_F32;  // of the 2-D weights but token_embd; norms and rope factors stay F32
    int32_t head_dim = 16;              // of 4 query heads (n_embd = 4 head_dim, n_ff = 2 n_embd)
    // attn_v and ffn_down in another type, as llama-quantize's Q4_K_M keeps them in Q6_K in some
    // layers (on CUDA, Q/K/V then take two launches, the second on a branch of its own); F32: as
    // the other matrices.
    sl_type more_bits_type = SL_TYPE_F32;
};

// A tiny Llama: its weights on the host and the same weights in a raw file described by `table`.
struct TinyModel {
    sl_hparams hp{};
    std::map<std::pair<int32_t, int32_t>, std::vector<float>> weights;  // (role, layer) -> rows
    std::vector<sl_tensor_desc> table;
    std::string path;
    uint64_t file_size = 0;

    const float* w(int32_t role, int32_t layer = -1) const { return weights.at({role, layer}).data(); }
    ~TinyModel() { std::remove(path.c_str()); }
};

std::unique_ptr<TinyModel> make_tiny_model(const TinySpec& spec, uint32_t seed) {
    auto m = std::make_unique<TinyModel>();
    sl_hparams& hp = m->hp;
    hp.n_vocab = 100, hp.n_ctx_train = 1024, hp.n_embd = 4 * spec.head_dim, hp.n_layer = 2, hp.n_head = 4;
    hp.n_head_kv = 2, hp.n_ff = 8 * spec.head_dim, hp.head_dim = spec.head_dim, hp.n_rot = spec.head_dim;
    hp.rope_freq_base = 10000.0f, hp.rope_freq_scale = spec.freq_scale;
    hp.rms_eps = 1e-5f, hp.tied_output = spec.tied;

    std::mt19937 rng(seed);
    char path[] = "/tmp/sluice_tiny_llama_XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    m->path = path;
    std::ofstream file(path, std::ios::binary);
    const std::vector<float> header = sltest::ref::random_floats(rng, 24, -1, 1);  // stands in for GGUF metadata
    file.write(reinterpret_cast<const char*>(header.data()), 96);
    uint64_t offset = 96;

    // Writes a tensor of `type`; the reference keeps the values the file holds (dequantized).
    auto add_typed = [&](sl_type type, int32_t role, int32_t layer, int64_t cols, int64_t rows, float lo, float hi) {
        offset = (offset + 31) / 32 * 32;  // GGUF-style alignment leaves gaps between tensors
        file.seekp(static_cast<std::streamoff>(offset));
        std::vector<float>& data = m->weights[{role, layer}];
        data = sltest::ref::random_floats(rng, static_cast<size_t>(cols * rows), lo, hi);
        std::vector<char> bytes(sl::row_bytes(type, cols) * static_cast<size_t>(rows));
        sl::cpu::quantize_row(type, data.data(), bytes.data(), cols * rows);
        sl::cpu::dequantize_row(type, bytes.data(), data.data(), cols * rows);
        file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        const sl_tensor_desc desc{role, layer, type, rows > 1 ? 2 : 1, {cols, rows, 1, 1}, offset, bytes.size()};
        m->table.push_back(desc);
        offset += desc.size;
    };
    auto add = [&](int32_t role, int32_t layer, int64_t cols, int64_t rows, float lo, float hi) {
        add_typed(SL_TYPE_F32, role, layer, cols, rows, lo, hi);
    };
    auto matrix = [&](int32_t role, int32_t layer, int64_t cols, int64_t rows) {
        const float a = std::sqrt(3.0f / static_cast<float>(cols));  // keeps activations near unit scale
        const bool more_bits = spec.more_bits_type != SL_TYPE_F32 && (role == SL_ROLE_ATTN_V || role == SL_ROLE_FFN_DOWN);
        add_typed(more_bits ? spec.more_bits_type : spec.matrix_type, role, layer, cols, rows, -a, a);
    };
    const int64_t n_embd = hp.n_embd, q_dim = hp.n_head * hp.head_dim, kv_dim = hp.n_head_kv * hp.head_dim;
    add(SL_ROLE_TOKEN_EMBD, -1, n_embd, hp.n_vocab, -1, 1);
    add(SL_ROLE_OUTPUT_NORM, -1, n_embd, 1, 0.8f, 1.2f);
    if (!spec.tied) matrix(SL_ROLE_OUTPUT, -1, n_embd, hp.n_vocab);
    if (spec.rope_freqs) add(SL_ROLE_ROPE_FREQS, -1, hp.n_rot / 2, 1, 1.0f, 8.0f);
    for (int32_t l = 0; l < hp.n_layer; ++l) {
        add(SL_ROLE_ATTN_NORM, l, n_embd, 1, 0.8f, 1.2f);
        matrix(SL_ROLE_ATTN_Q, l, n_embd, q_dim);
        matrix(SL_ROLE_ATTN_K, l, n_embd, kv_dim);
        matrix(SL_ROLE_ATTN_V, l, n_embd, kv_dim);
        matrix(SL_ROLE_ATTN_OUTPUT, l, q_dim, n_embd);
        add(SL_ROLE_FFN_NORM, l, n_embd, 1, 0.8f, 1.2f);
        matrix(SL_ROLE_FFN_GATE, l, n_embd, hp.n_ff);
        matrix(SL_ROLE_FFN_UP, l, n_embd, hp.n_ff);
        matrix(SL_ROLE_FFN_DOWN, l, hp.n_ff, n_embd);
    }
    m->file_size = offset;
    return m;
}

// The straightforward forward pass, one token at a time, in double precision.
class ReferenceLlama {
public:
    explicit ReferenceLlama(const TinyModel& m) : m_(m), keys_(m.hp.n_layer), values_(m.hp.n_layer) {}

    Vec step(int32_t token) {
        const sl_hparams& hp = m_.hp;
        const sltest::ref::Rope rope{hp.head_dim, hp.n_rot, hp.rope_freq_base, hp.rope_freq_scale,
                                     m_.weights.count({SL_ROLE_ROPE_FREQS, -1}) ? m_.w(SL_ROLE_ROPE_FREQS) : nullptr};
        const float* embd = m_.w(SL_ROLE_TOKEN_EMBD);
        Vec x(embd + token * hp.n_embd, embd + (token + 1) * hp.n_embd);
        for (int32_t l = 0; l < hp.n_layer; ++l) {
            Vec xn = sltest::ref::rms_norm(x, m_.w(SL_ROLE_ATTN_NORM, l), hp.rms_eps);
            Vec q = sltest::ref::matvec(m_.w(SL_ROLE_ATTN_Q, l), hp.n_head * hp.head_dim, xn);
            Vec k = sltest::ref::matvec(m_.w(SL_ROLE_ATTN_K, l), hp.n_head_kv * hp.head_dim, xn);
            keys_[l].push_back(k);
            values_[l].push_back(sltest::ref::matvec(m_.w(SL_ROLE_ATTN_V, l), hp.n_head_kv * hp.head_dim, xn));
            sltest::ref::rope(q, rope, pos_);
            sltest::ref::rope(keys_[l].back(), rope, pos_);
            const Vec attn = sltest::ref::attention(q, keys_[l], values_[l], hp.n_head, hp.n_head_kv, hp.head_dim);
            add(x, sltest::ref::matvec(m_.w(SL_ROLE_ATTN_OUTPUT, l), hp.n_embd, attn));
            xn = sltest::ref::rms_norm(x, m_.w(SL_ROLE_FFN_NORM, l), hp.rms_eps);
            const Vec h = sltest::ref::swiglu(sltest::ref::matvec(m_.w(SL_ROLE_FFN_GATE, l), hp.n_ff, xn),
                                              sltest::ref::matvec(m_.w(SL_ROLE_FFN_UP, l), hp.n_ff, xn));
            add(x, sltest::ref::matvec(m_.w(SL_ROLE_FFN_DOWN, l), hp.n_embd, h));
        }
        ++pos_;
        const float* output = m_.w(hp.tied_output ? SL_ROLE_TOKEN_EMBD : SL_ROLE_OUTPUT);
        return sltest::ref::matvec(output, hp.n_vocab, sltest::ref::rms_norm(x, m_.w(SL_ROLE_OUTPUT_NORM), hp.rms_eps));
    }

    std::vector<Vec> run(const std::vector<int32_t>& tokens) {
        std::vector<Vec> logits;
        for (int32_t t : tokens) logits.push_back(step(t));
        return logits;
    }

private:
    static void add(Vec& x, const Vec& y) {
        for (size_t i = 0; i < x.size(); ++i) x[i] += y[i];
    }

    const TinyModel& m_;
    std::vector<std::vector<Vec>> keys_, values_;
    int pos_ = 0;
};

using ModelPtr = std::unique_ptr<sl_model, decltype(&sl_model_free)>;
using SessionPtr = std::unique_ptr<sl_session, decltype(&sl_session_free)>;

sl_model_params cpu_params(const TinyModel& m, int32_t activation_q8 = 0) {
    return sl_model_params{m.path.c_str(), SL_BACKEND_CPU, 0, 2, nullptr, activation_q8};
}

ModelPtr load(const TinyModel& m, const sl_model_params& params) {
    sl_model* model = nullptr;
    const sl_status status =
        sl_model_load(&params, &m.hp, m.table.data(), static_cast<int32_t>(m.table.size()), &model);
    CHECK_EQ(status, SL_OK);
    if (status != SL_OK) std::printf("  load failed: %s\n", sl_last_error());
    return ModelPtr(model, sl_model_free);
}

SessionPtr session(sl_model* model, int32_t n_ctx) {
    sl_session* s = nullptr;
    CHECK_EQ(sl_session_create(model, n_ctx, &s), SL_OK);
    return SessionPtr(s, sl_session_free);
}

// Decodes tokens[begin, end) as one batch and returns every row of logits.
std::vector<float> decode_all(sl_session* s, const std::vector<int32_t>& tokens, size_t begin, size_t end, int32_t n_vocab) {
    std::vector<float> logits((end - begin) * static_cast<size_t>(n_vocab));
    CHECK_EQ(sl_session_decode(s, tokens.data() + begin, static_cast<int32_t>(end - begin), logits.data(), 1), SL_OK);
    return logits;
}

void check_rows_match(const float* got, const std::vector<Vec>& want, size_t first_row, size_t n_rows, double rel_tol) {
    for (size_t r = 0; r < n_rows; ++r) {
        const Vec& row = want[first_row + r];
        const double err = sltest::ref::relative_error(got + r * row.size(), row.data(), row.size());
        CHECK(err < rel_tol);
        if (err >= rel_tol) std::printf("  row %zu: relative error %.3g\n", first_row + r, err);
    }
}

std::vector<int32_t> random_tokens(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> dist(0, 99);
    std::vector<int32_t> tokens(n);
    for (int32_t& t : tokens) t = dist(rng);
    return tokens;
}

// A prompt as one batch, then nine tokens one at a time, both against the reference. On CUDA the
// single tokens go through the recorded decode step (a direct run, its capture into a CUDA graph,
// replays), where Q/K/V and gate/up are one matvec launch each.
void batch_and_steps_match_reference(const sl_model_params& params, const TinyModel& m, double rel_tol) {
    const std::vector<int32_t> tokens = random_tokens(16, 1);
    const std::vector<Vec> want = ReferenceLlama(m).run(tokens);
    ModelPtr model = load(m, params);
    SessionPtr s = session(model.get(), 32);
    const std::vector<float> prompt = decode_all(s.get(), tokens, 0, 7, m.hp.n_vocab);
    check_rows_match(prompt.data(), want, 0, 7, rel_tol);
    std::vector<float> last(static_cast<size_t>(m.hp.n_vocab));
    for (size_t t = 7; t < tokens.size(); ++t) {
        CHECK_EQ(sl_session_decode(s.get(), &tokens[t], 1, last.data(), 0), SL_OK);
        check_rows_match(last.data(), want, t, 1, rel_tol);
    }
    CHECK_EQ(sl_session_position(s.get()), 16);
}

void cpu_matches_reference(const TinySpec& spec, int32_t activation_q8, double rel_tol) {
    auto m = make_tiny_model(spec, 7);
    batch_and_steps_match_reference(cpu_params(*m, activation_q8), *m, rel_tol);
}

// head_dim 64, which CUDA attention needs; the F16 KV cache and (for quantized weights) the 8-bit
// activations bound the accuracy.
void cuda_matches_reference(const TinySpec& spec, double rel_tol) {
    if (const char* reason = sl_cuda_unavailable_reason()) {
        std::printf("cuda forward: not checked here: %s\n", reason);
        return;
    }
    auto m = make_tiny_model(spec, 17);
    sl_model_params params = cpu_params(*m);
    params.backend = SL_BACKEND_CUDA;
    batch_and_steps_match_reference(params, *m, rel_tol);
    std::printf("cuda forward %s%s%s: checked\n", sl::type_traits(spec.matrix_type)->name,
                spec.more_bits_type != SL_TYPE_F32 ? ", V and down " : "",
                spec.more_bits_type != SL_TYPE_F32 ? sl::type_traits(spec.more_bits_type)->name : "");
}

// On quantized weights the 8-bit-activation option changes the arithmetic, so it really runs.
void q8_activations_change_quantized_matmuls() {
    auto m = make_tiny_model({true, false, 1.0f, SL_TYPE_Q8_0}, 7);
    const std::vector<int32_t> tokens = random_tokens(4, 1);
    std::vector<std::vector<float>> logits;
    for (int32_t q8 : {0, 1}) {
        ModelPtr model = load(*m, cpu_params(*m, q8));
        SessionPtr s = session(model.get(), 8);
        logits.push_back(decode_all(s.get(), tokens, 0, tokens.size(), m->hp.n_vocab));
    }
    CHECK(logits[0] != logits[1]);
}

// Batched and token-by-token decoding give the same logits; so does re-decoding after a truncate,
// and filling the cache without logits.
void batch_equals_steps_and_truncate_replays(const TinySpec& spec) {
    auto m = make_tiny_model(spec, 11);
    const int32_t n_vocab = m->hp.n_vocab;
    const std::vector<int32_t> tokens = random_tokens(12, 2);
    ModelPtr model = load(*m, cpu_params(*m));
    SessionPtr batched = session(model.get(), 16), stepped = session(model.get(), 16);
    const std::vector<float> all = decode_all(batched.get(), tokens, 0, tokens.size(), n_vocab);
    std::vector<Vec> as_rows;
    for (size_t t = 0; t < tokens.size(); ++t) {
        const std::vector<float> row = decode_all(stepped.get(), tokens, t, t + 1, n_vocab);
        as_rows.emplace_back(row.begin(), row.end());
    }
    check_rows_match(all.data(), as_rows, 0, tokens.size(), 1e-6);

    CHECK_EQ(sl_session_truncate(batched.get(), 5), SL_OK);
    CHECK_EQ(sl_session_position(batched.get()), 5);
    const std::vector<float> replay = decode_all(batched.get(), tokens, 5, tokens.size(), n_vocab);
    check_rows_match(replay.data(), as_rows, 5, tokens.size() - 5, 1e-6);
    CHECK_EQ(sl_session_truncate(batched.get(), 13), SL_ERR_INVALID_ARGUMENT);

    CHECK_EQ(sl_session_truncate(stepped.get(), 0), SL_OK);
    CHECK_EQ(sl_session_decode(stepped.get(), tokens.data(), 8, nullptr, 0), SL_OK);
    const std::vector<float> rest = decode_all(stepped.get(), tokens, 8, tokens.size(), n_vocab);
    check_rows_match(rest.data(), as_rows, 8, tokens.size() - 8, 1e-6);
}

// 530 tokens run as batches of 512 + 18; rows on both sides of the seam match the reference.
void long_prompt_runs_in_pieces() {
    auto m = make_tiny_model({true, false, 1.0f}, 13);
    const std::vector<int32_t> tokens = random_tokens(530, 3);
    const std::vector<Vec> want = ReferenceLlama(*m).run(tokens);
    ModelPtr model = load(*m, cpu_params(*m));
    SessionPtr s = session(model.get(), 600);
    const std::vector<float> all = decode_all(s.get(), tokens, 0, tokens.size(), m->hp.n_vocab);
    for (size_t row : {size_t{0}, size_t{511}, size_t{512}, size_t{529}})
        check_rows_match(all.data() + row * m->hp.n_vocab, want, row, 1, 1e-4);
    SessionPtr last_only = session(model.get(), 600);
    std::vector<float> last(static_cast<size_t>(m->hp.n_vocab));
    CHECK_EQ(sl_session_decode(last_only.get(), tokens.data(), 530, last.data(), 0), SL_OK);
    check_rows_match(last.data(), want, 529, 1, 1e-4);
}

void context_overflow_is_reported() {
    auto m = make_tiny_model({false, false, 1.0f}, 17);
    const std::vector<int32_t> tokens = random_tokens(9, 4);
    ModelPtr model = load(*m, cpu_params(*m));
    SessionPtr s = session(model.get(), 8);
    CHECK_EQ(sl_session_decode(s.get(), tokens.data(), 6, nullptr, 0), SL_OK);
    CHECK_EQ(sl_session_decode(s.get(), tokens.data() + 6, 3, nullptr, 0), SL_ERR_CONTEXT_FULL);
    CHECK(std::strstr(sl_last_error(), "context is full") != nullptr);
    CHECK_EQ(sl_session_position(s.get()), 6);
    CHECK_EQ(sl_session_decode(s.get(), tokens.data() + 6, 2, nullptr, 0), SL_OK);
    CHECK_EQ(sl_session_decode(s.get(), tokens.data() + 8, 1, nullptr, 0), SL_ERR_CONTEXT_FULL);
    CHECK_EQ(sl_session_position(s.get()), 8);
}

void expect_load_failure(const char* what, const sl_hparams& hp, const std::vector<sl_tensor_desc>& table,
                         const sl_model_params& params, sl_status status, const char* message_part) {
    int stale = 0;
    sl_model* model = reinterpret_cast<sl_model*>(&stale);  // a failed load must reset it to NULL
    const sl_status got = sl_model_load(&params, &hp, table.data(), static_cast<int32_t>(table.size()), &model);
    CHECK_EQ(got, status);
    CHECK(model == nullptr);
    const bool names_it = std::strstr(sl_last_error(), message_part) != nullptr;
    CHECK(names_it);
    if (got != status || !names_it) std::printf("  %s: %s: %s\n", what, sl_status_name(got), sl_last_error());
}

sl_tensor_desc& entry(std::vector<sl_tensor_desc>& table, int32_t role, int32_t layer) {
    for (sl_tensor_desc& t : table)
        if (t.role == role && t.layer == layer) return t;
    return table.front();
}

struct BadCase {
    const char* what;
    std::function<void(sl_hparams&, std::vector<sl_tensor_desc>&, sl_model_params&)> mutate;
    sl_status status;
    const char* message_part;
};

void bad_descriptions_are_rejected() {
    auto m = make_tiny_model({true, false, 1.0f}, 19);
    const int32_t pinned[] = {SL_TIER_RESIDENT, SL_TIER_PINNED};
    const int32_t bogus_tier[] = {SL_TIER_RESIDENT, 7};
    const uint64_t file_size = m->file_size;
    const std::vector<BadCase> cases = {
        {"offset past EOF", [&](auto&, auto& t, auto&) { entry(t, SL_ROLE_ATTN_V, 1).offset = file_size - 8; },
         SL_ERR_FORMAT, "blk.1.attn_v: bytes"},
        {"offset overflowing", [](auto&, auto& t, auto&) { entry(t, SL_ROLE_OUTPUT, -1).offset = ~uint64_t{0} - 4; },
         SL_ERR_FORMAT, "past the end"},
        {"wrong size", [](auto&, auto& t, auto&) { entry(t, SL_ROLE_FFN_UP, 0).size -= 4; }, SL_ERR_FORMAT,
         "blk.0.ffn_up: size"},
        {"missing tensor", [](auto&, auto& t, auto&) { t.erase(t.begin() + static_cast<long>(t.size()) - 2); },
         SL_ERR_FORMAT, "blk.1.ffn_up is missing"},
        {"missing output", [](auto&, auto& t, auto&) { t.erase(t.begin() + 2); }, SL_ERR_FORMAT, "output is missing"},
        {"duplicate tensor", [](auto&, auto& t, auto&) { t.push_back(t[5]); }, SL_ERR_FORMAT, "more than once"},
        {"unknown type", [](auto&, auto& t, auto&) { entry(t, SL_ROLE_ATTN_K, 0).type = 99; }, SL_ERR_UNSUPPORTED,
         "blk.0.attn_k has type id 99"},
        {"activation-only type", [](auto&, auto& t, auto&) { entry(t, SL_ROLE_ATTN_Q, 1).type = SL_TYPE_Q8_1; },
         SL_ERR_UNSUPPORTED, "blk.1.attn_q has type"},
        {"F16 norm", [](auto&, auto& t, auto&) {
             sl_tensor_desc& d = entry(t, SL_ROLE_FFN_NORM, 1);
             d.type = SL_TYPE_F16;
             d.size /= 2;
         }, SL_ERR_UNSUPPORTED, "must be F32"},
        {"wrong shape", [](auto&, auto& t, auto&) { entry(t, SL_ROLE_FFN_DOWN, 0).ne[1] = 32; }, SL_ERR_FORMAT,
         "blk.0.ffn_down has shape [128, 32, 1, 1]"},
        {"layer out of range", [](auto&, auto& t, auto&) { entry(t, SL_ROLE_ATTN_NORM, 1).layer = 2; }, SL_ERR_FORMAT,
         "layer 2 is out of range"},
        {"unknown role", [](auto&, auto& t, auto&) { t[0].role = 42; }, SL_ERR_FORMAT, "unknown role 42"},
        {"n_head not dividing n_embd", [](auto& hp, auto&, auto&) { hp.n_head = 5; }, SL_ERR_FORMAT,
         "n_head = 5 does not divide n_embd = 64"},
        {"n_head_kv not dividing n_head", [](auto& hp, auto&, auto&) { hp.n_head_kv = 3; }, SL_ERR_FORMAT,
         "n_head_kv = 3"},
        {"negative eps", [](auto& hp, auto&, auto&) { hp.rms_eps = -1.0f; }, SL_ERR_FORMAT, "rms_eps"},
        {"tied with output present", [](auto& hp, auto&, auto&) { hp.tied_output = 1; }, SL_ERR_FORMAT, "tied_output"},
        {"missing file", [](auto&, auto&, auto& p) { p.path = "/nonexistent/model.gguf"; }, SL_ERR_IO,
         "/nonexistent/model.gguf"},
        // Without a GPU the CUDA backend is refused; with one, a device it does not have is.
        {"CUDA device 99", [](auto&, auto&, auto& p) { p.backend = SL_BACKEND_CUDA, p.device = 99; },
         sl_cuda_unavailable_reason() ? SL_ERR_UNSUPPORTED : SL_ERR_INVALID_ARGUMENT, "CUDA"},
        {"bogus stream path", [&](auto&, auto&, auto& p) { p.layer_tier = pinned, p.stream_path = 9; },
         SL_ERR_INVALID_ARGUMENT, "stream_path = 9"},
        {"one stream slot", [&](auto&, auto&, auto& p) { p.layer_tier = pinned, p.stream_slots = 1; },
         SL_ERR_INVALID_ARGUMENT, "stream_slots = 1"},
        {"negative stream slots", [&](auto&, auto&, auto& p) { p.stream_slots = -1; }, SL_ERR_INVALID_ARGUMENT,
         "stream_slots = -1"},
        {"bogus tier", [&](auto&, auto&, auto& p) { p.layer_tier = bogus_tier; }, SL_ERR_INVALID_ARGUMENT,
         "layer_tier[1] = 7"},
        {"negative threads", [](auto&, auto&, auto& p) { p.n_threads = -1; }, SL_ERR_INVALID_ARGUMENT, "n_threads"},
        {"NVMe drive named badly", [](auto&, auto&, auto& p) { p.nvme_bdf = "nvme0"; }, SL_ERR_INVALID_ARGUMENT,
         "'nvme0' is not a PCI address"},
        {"NVMe drive absent", [](auto&, auto&, auto& p) { p.nvme_bdf = "0000:99:00.0"; }, SL_ERR_INVALID_ARGUMENT,
         "no PCI device 0000:99:00.0"},
        {"NVMe bogus IOMMU mode", [](auto&, auto&, auto& p) {
             p.nvme_bdf = "0000:99:00.0";
             p.nvme_iommu = 5;
         }, SL_ERR_INVALID_ARGUMENT, "iommu must be"},
        {"NVMe no-IOMMU without a window", [](auto&, auto&, auto& p) {
             p.nvme_bdf = "0000:99:00.0";
             p.nvme_iommu = SL_NVME_NO_IOMMU;
         }, SL_ERR_INVALID_ARGUMENT, "DMA window"},
    };
    for (const BadCase& c : cases) {
        sl_hparams hp = m->hp;
        std::vector<sl_tensor_desc> table = m->table;
        sl_model_params params = cpu_params(*m);
        c.mutate(hp, table, params);
        expect_load_failure(c.what, hp, table, params, c.status, c.message_part);
    }
}

void bad_calls_are_rejected() {
    auto m = make_tiny_model({false, true, 1.0f}, 23);
    const sl_model_params params = cpu_params(*m);
    sl_model* none = nullptr;
    CHECK_EQ(sl_model_load(&params, &m->hp, m->table.data(), static_cast<int32_t>(m->table.size()), nullptr),
             SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_model_load(nullptr, &m->hp, m->table.data(), 1, &none), SL_ERR_INVALID_ARGUMENT);
    ModelPtr model = load(*m, params);
    sl_session* s = nullptr;
    CHECK_EQ(sl_session_create(model.get(), 0, &s), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_session_create(nullptr, 8, &s), SL_ERR_INVALID_ARGUMENT);
    SessionPtr ok = session(model.get(), 8);
    const int32_t out_of_vocab[] = {3, 100};
    CHECK_EQ(sl_session_decode(ok.get(), out_of_vocab, 2, nullptr, 0), SL_ERR_INVALID_ARGUMENT);
    CHECK(std::strstr(sl_last_error(), "token 1 is 100") != nullptr);
    CHECK_EQ(sl_session_decode(ok.get(), out_of_vocab, 0, nullptr, 0), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_session_decode(nullptr, out_of_vocab, 1, nullptr, 0), SL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(sl_session_position(ok.get()), 0);
    CHECK_EQ(sl_session_truncate(nullptr, 0), SL_ERR_INVALID_ARGUMENT);
}

}  // namespace

int main() {
    for (const TinySpec& spec : {TinySpec{false, false, 1.0f}, TinySpec{true, true, 1.0f}, TinySpec{true, false, 0.25f}}) {
        cpu_matches_reference(spec, 0, 1e-4);
        batch_equals_steps_and_truncate_replays(spec);
    }
    // Q8_0 weights: float activations stay as exact as with F32; 8-bit activations land at llama.cpp's
    // accuracy (its CPU backend is ~1e-2 from the float64 reference on quantized golden models).
    cpu_matches_reference({true, false, 1.0f, SL_TYPE_Q8_0}, 0, 1e-4);
    cpu_matches_reference({true, false, 1.0f, SL_TYPE_Q8_0}, 1, 3e-2);
    q8_activations_change_quantized_matmuls();
    cuda_matches_reference({true, false, 1.0f, SL_TYPE_F32, 64}, 1e-2);
    cuda_matches_reference({true, false, 1.0f, SL_TYPE_Q4_K, 64}, 5e-2);
    cuda_matches_reference({true, false, 1.0f, SL_TYPE_Q4_K, 64, SL_TYPE_Q6_K}, 5e-2);
    cuda_matches_reference({false, true, 1.0f, SL_TYPE_Q8_0, 64}, 5e-2);
    long_prompt_runs_in_pieces();
    context_overflow_is_reported();
    bad_descriptions_are_rejected();
    bad_calls_are_rejected();
    return sltest::finish("test_llama_forward");
}
