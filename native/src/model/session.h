// A conversation with a model: its own KV cache and forward scratch. Sessions of one model may
// live on different threads; their decodes take turns on the model's backend.
#pragma once

#include <cstdint>
#include <span>

#include "model/kv_cache.h"
#include "model/llama_graph.h"
#include "model/model.h"

namespace sl::model {

class Session {
public:
    Session(Model& model, int32_t n_ctx);

    // Checks the tokens and the room left, then runs them (see LlamaGraph::decode).
    // On failure the session is unchanged.
    void decode(std::span<const int32_t> tokens, const DecodeOutput& out);
    int32_t position() const { return kv_.used(); }
    int32_t n_vocab() const { return model_.hparams().n_vocab; }
    void truncate(int32_t n_past) { kv_.truncate(n_past); }

private:
    Model& model_;
    KvCache kv_;
    LlamaGraph graph_;
};

}  // namespace sl::model

// The C ABI's opaque handle is the session itself.
struct sl_session final : sl::model::Session {
    using sl::model::Session::Session;
};
