#include "model/tensor_table.h"

#include <cinttypes>
#include <string>

#include "core/status.h"
#include "formats/types.h"

namespace sl::model {
namespace {

constexpr int32_t kGlobalRoles = SL_ROLE_ROPE_FREQS + 1;  // roles before ATTN_NORM are whole-model
constexpr int32_t kLayerRoles = SL_ROLE_FFN_DOWN + 1 - SL_ROLE_ATTN_NORM;

constexpr const char* kRoleNames[] = {"token_embd", "output_norm", "output",     "rope_freqs", "attn_norm",
                                      "attn_q",     "attn_k",      "attn_v",     "attn_output", "ffn_norm",
                                      "ffn_gate",   "ffn_up",      "ffn_down"};

bool is_layer_role(int32_t role) { return role >= SL_ROLE_ATTN_NORM; }
// Norms and rope factors are read as plain floats by every backend.
bool is_f32_only(int32_t role) {
    return role == SL_ROLE_OUTPUT_NORM || role == SL_ROLE_ROPE_FREQS || role == SL_ROLE_ATTN_NORM ||
           role == SL_ROLE_FFN_NORM;
}

// The GGUF-style name of a tensor ("token_embd", "blk.3.attn_q"), for messages.
std::string tensor_name(int32_t role, int32_t layer) {
    const char* base = role >= 0 && role <= SL_ROLE_FFN_DOWN ? kRoleNames[role] : "unknown";
    return is_layer_role(role) ? "blk." + std::to_string(layer) + "." + base : base;
}

struct Shape {
    int64_t ne0;
    int64_t ne1;
};

Shape expected_shape(const sl_hparams& hp, int32_t role) {
    const int64_t q_dim = int64_t{hp.n_head} * hp.head_dim;
    const int64_t kv_dim = int64_t{hp.n_head_kv} * hp.head_dim;
    switch (role) {
        case SL_ROLE_TOKEN_EMBD:
        case SL_ROLE_OUTPUT: return {hp.n_embd, hp.n_vocab};
        case SL_ROLE_ROPE_FREQS: return {hp.n_rot / 2, 1};
        case SL_ROLE_ATTN_Q: return {hp.n_embd, q_dim};
        case SL_ROLE_ATTN_K:
        case SL_ROLE_ATTN_V: return {hp.n_embd, kv_dim};
        case SL_ROLE_ATTN_OUTPUT: return {q_dim, hp.n_embd};
        case SL_ROLE_FFN_GATE:
        case SL_ROLE_FFN_UP: return {hp.n_embd, hp.n_ff};
        case SL_ROLE_FFN_DOWN: return {hp.n_ff, hp.n_embd};
        default: return {hp.n_embd, 1};  // the norms
    }
}

void check_placement(const sl_hparams& hp, const sl_tensor_desc& t, int32_t index) {
    if (t.role < 0 || t.role > SL_ROLE_FFN_DOWN)
        raise(SL_ERR_FORMAT, "tensor table entry %d: unknown role %d", index, t.role);
    if (is_layer_role(t.role) ? (t.layer < 0 || t.layer >= hp.n_layer) : t.layer != -1)
        raise(SL_ERR_FORMAT, "tensor table entry %d (%s): layer %d is out of range for n_layer = %d", index,
              kRoleNames[t.role], t.layer, hp.n_layer);
}

void check_type(const sl_tensor_desc& t, const std::string& name, const std::function<bool(sl_type)>& backend_supports) {
    const TypeTraits* traits = type_traits(t.type);
    if (!traits) raise(SL_ERR_UNSUPPORTED, "tensor %s has type id %d, which Sluice does not support", name.c_str(), t.type);
    if (!traits->is_weight_type || !backend_supports(traits->type))
        raise(SL_ERR_UNSUPPORTED, "tensor %s has type %s, which this backend cannot use for weights", name.c_str(),
              traits->name);
    if (is_f32_only(t.role) && t.type != SL_TYPE_F32)
        raise(SL_ERR_UNSUPPORTED, "tensor %s has type %s; norm and rope factor tensors must be F32", name.c_str(),
              traits->name);
}

void check_shape(const sl_hparams& hp, const sl_tensor_desc& t, const std::string& name) {
    if (t.n_dims < 1 || t.n_dims > 4) raise(SL_ERR_FORMAT, "tensor %s has %d dimensions", name.c_str(), t.n_dims);
    for (int d = 0; d < 4; ++d) {
        if (t.ne[d] < 1 || (d >= t.n_dims && t.ne[d] != 1))
            raise(SL_ERR_FORMAT, "tensor %s: ne[%d] = %" PRId64 " is invalid for %d dimensions", name.c_str(), d, t.ne[d],
                  t.n_dims);
    }
    const Shape want = expected_shape(hp, t.role);
    if (t.ne[0] != want.ne0 || t.ne[1] != want.ne1 || t.ne[2] != 1 || t.ne[3] != 1)
        raise(SL_ERR_FORMAT,
              "tensor %s has shape [%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 "], the hyperparameters need [%" PRId64
              ", %" PRId64 "]",
              name.c_str(), t.ne[0], t.ne[1], t.ne[2], t.ne[3], want.ne0, want.ne1);
}

void check_extent(const sl_tensor_desc& t, const std::string& name, uint64_t file_size) {
    const TypeTraits* traits = type_traits(t.type);
    if (t.ne[0] % traits->block_elems != 0)
        raise(SL_ERR_FORMAT, "tensor %s: row length %" PRId64 " is not a multiple of the %s block size %" PRId64,
              name.c_str(), t.ne[0], traits->name, traits->block_elems);
    const uint64_t expected = row_bytes(traits->type, t.ne[0]) * static_cast<uint64_t>(t.ne[1]);
    if (t.size != expected)
        raise(SL_ERR_FORMAT, "tensor %s: size %" PRIu64 " bytes, but its shape and type need %" PRIu64, name.c_str(),
              t.size, expected);
    if (t.offset > file_size || t.size > file_size - t.offset)
        raise(SL_ERR_FORMAT, "tensor %s: bytes [%" PRIu64 ", %" PRIu64 ") lie past the end of the %" PRIu64 "-byte file",
              name.c_str(), t.offset, t.offset + t.size, file_size);
}

}  // namespace

TensorTable::TensorTable(const sl_hparams& hp, std::span<const sl_tensor_desc> tensors, uint64_t file_size,
                         const std::function<bool(sl_type)>& backend_supports)
    : n_layer_(hp.n_layer), slots_(static_cast<size_t>(kGlobalRoles + kLayerRoles * hp.n_layer), nullptr) {
    for (size_t i = 0; i < tensors.size(); ++i) {
        const sl_tensor_desc& t = tensors[i];
        check_placement(hp, t, static_cast<int32_t>(i));
        const std::string name = tensor_name(t.role, t.layer);
        check_type(t, name, backend_supports);
        check_shape(hp, t, name);
        check_extent(t, name, file_size);
        const sl_tensor_desc*& entry = slots_[slot(t.role, t.layer)];
        if (entry) raise(SL_ERR_FORMAT, "tensor %s appears more than once in the tensor table", name.c_str());
        entry = &t;
    }
    for (int32_t role = 0; role < kGlobalRoles; ++role) {
        if (role == SL_ROLE_ROPE_FREQS) continue;  // optional: only Llama 3.1-style models have it
        if (role == SL_ROLE_OUTPUT && hp.tied_output) {
            if (find(SL_ROLE_OUTPUT, -1))
                raise(SL_ERR_FORMAT, "tensor output is present, but hparams.tied_output = 1 says token_embd is reused");
            continue;
        }
        require(role, -1);
    }
    for (int32_t layer = 0; layer < hp.n_layer; ++layer)
        for (int32_t role = SL_ROLE_ATTN_NORM; role <= SL_ROLE_FFN_DOWN; ++role) require(role, layer);
}

void TensorTable::require(int32_t role, int32_t layer) const {
    if (!slots_[slot(role, layer)])
        raise(SL_ERR_FORMAT, "tensor %s is missing from the tensor table", tensor_name(role, layer).c_str());
}

size_t TensorTable::slot(int32_t role, int32_t layer) const {
    if (!is_layer_role(role)) return static_cast<size_t>(role);
    return static_cast<size_t>(kGlobalRoles + layer * kLayerRoles + (role - SL_ROLE_ATTN_NORM));
}

const sl_tensor_desc* TensorTable::find(sl_tensor_role role, int32_t layer) const {
    if (is_layer_role(role) && (layer < 0 || layer >= n_layer_)) return nullptr;
    return slots_[slot(role, layer)];
}

}  // namespace sl::model
