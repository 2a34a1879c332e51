// CUDA device discovery. With no driver or no device the list is empty and unavailable_reason()
// says why; nothing here fails hard, so the library loads on any machine.
#pragma once

#include <string>
#include <vector>

#include "sluice/sluice.h"

namespace sl::cuda {

std::vector<sl_device_info> discover_devices();
// Empty when the CUDA backend can run; otherwise a sentence for the user.
std::string unavailable_reason();

}  // namespace sl::cuda
