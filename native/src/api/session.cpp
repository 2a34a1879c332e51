// sl_session_*: check the call, hand over to model::Session.
#include <algorithm>
#include <span>

#include "core/status.h"
#include "model/session.h"
#include "sluice/sluice.h"

extern "C" {

sl_status sl_session_create(sl_model* model, int32_t n_ctx, sl_session** session) {
    return sl::guarded([&] {
        if (!session) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_create: session is NULL");
        *session = nullptr;
        if (!model) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_create: model is NULL");
        if (n_ctx <= 0) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_create: n_ctx = %d must be positive", n_ctx);
        *session = new sl_session(*model, n_ctx);
        return SL_OK;
    });
}

void sl_session_free(sl_session* session) { delete session; }

sl_status sl_session_decode(sl_session* session, const int32_t* tokens, int32_t n_tokens, float* logits,
                            int32_t all_logits) {
    return sl::guarded([&] {
        if (!session || !tokens) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_decode: session or tokens is NULL");
        if (n_tokens <= 0)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_decode: n_tokens = %d must be positive", n_tokens);
        session->decode(std::span(tokens, static_cast<size_t>(n_tokens)),
                        sl::model::DecodeOutput{.logits = logits, .all_logits = all_logits != 0});
        return SL_OK;
    });
}

sl_status sl_session_decode_top_k(sl_session* session, const int32_t* tokens, int32_t n_tokens, int32_t k,
                                  int32_t* ids, float* logits) {
    return sl::guarded([&] {
        if (!session || !tokens || !ids || !logits)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_decode_top_k: session, tokens, ids or logits is NULL");
        if (n_tokens <= 0)
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_decode_top_k: n_tokens = %d must be positive", n_tokens);
        if (k < 1 || k > SL_MAX_TOP_K || k > session->n_vocab())
            return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_decode_top_k: k = %d is outside [1, %d]", k,
                            std::min<int32_t>(SL_MAX_TOP_K, session->n_vocab()));
        session->decode(std::span(tokens, static_cast<size_t>(n_tokens)),
                        sl::model::DecodeOutput{.top_k = k, .ids = ids, .values = logits});
        return SL_OK;
    });
}

int32_t sl_session_position(const sl_session* session) { return session ? session->position() : 0; }

sl_status sl_session_truncate(sl_session* session, int32_t n_past) {
    return sl::guarded([&] {
        if (!session) return sl::fail(SL_ERR_INVALID_ARGUMENT, "sl_session_truncate: session is NULL");
        session->truncate(n_past);
        return SL_OK;
    });
}

}  // extern "C"
