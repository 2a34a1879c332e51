// Physical Region Page entries: how an NVMe command names the memory of a transfer.
#pragma once

#include <cstdint>

namespace sl::nvme {

struct Prp {
    uint64_t prp1 = 0;
    uint64_t prp2 = 0;
};

// The most bytes one command can move through a single PRP list page of `page_size` bytes (no
// chained lists): one list page names page_size / 8 pages, and a start inside a page costs one.
uint64_t max_prp_transfer(uint64_t page_size);

// PRP1/PRP2 for `bytes` starting at `iova` (contiguous in IOVA space, dword-aligned). Transfers over
// two pages fill the list page at `list` (host view) / `list_iova` (device view). Throws when the
// transfer needs more than one list page or the address is not dword-aligned.
Prp build_prp(uint64_t iova, uint64_t bytes, uint64_t page_size, uint64_t* list, uint64_t list_iova);

}  // namespace sl::nvme
