// Checks of the hyperparameters that the forward pass relies on.
#pragma once

#include "sluice/sluice.h"

namespace sl::model {

// Raises SL_ERR_FORMAT naming the first inconsistent field.
void validate_hparams(const sl_hparams& hp);

}  // namespace sl::model
