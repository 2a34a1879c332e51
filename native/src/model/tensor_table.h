// The tensor table of a Llama model, checked against the hyperparameters and the file: every
// required tensor present once, shapes as the hyperparameters say, sizes as the type says, data
// inside the file, types the backend can run.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "sluice/sluice.h"

namespace sl::model {

class TensorTable {
public:
    // Raises SL_ERR_FORMAT for inconsistent entries and SL_ERR_UNSUPPORTED for types that
    // `backend_supports` rejects, naming the tensor. Keeps pointers into `tensors`.
    TensorTable(const sl_hparams& hp, std::span<const sl_tensor_desc> tensors, uint64_t file_size,
                const std::function<bool(sl_type)>& backend_supports);

    // The entry for (role, layer); layer is -1 for whole-model tensors. Null when absent (only
    // optional tensors may be absent once the table is built).
    const sl_tensor_desc* find(sl_tensor_role role, int32_t layer) const;

private:
    size_t slot(int32_t role, int32_t layer) const;
    void require(int32_t role, int32_t layer) const;

    int32_t n_layer_;
    std::vector<const sl_tensor_desc*> slots_;  // global roles first, then per-layer roles by layer
};

}  // namespace sl::model
