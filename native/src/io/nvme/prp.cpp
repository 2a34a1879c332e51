#include "io/nvme/prp.h"

#include "core/status.h"

namespace sl::nvme {

uint64_t max_prp_transfer(uint64_t page_size) { return (page_size / 8) * page_size; }

Prp build_prp(uint64_t iova, uint64_t bytes, uint64_t page_size, uint64_t* list, uint64_t list_iova) {
    if (bytes == 0 || iova % 4 != 0)
        raise(SL_ERR_INTERNAL, "PRP transfer of %llu bytes at 0x%llx: empty or not dword-aligned",
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(iova));
    uint64_t first = page_size - iova % page_size;  // bytes the first (possibly offset) entry covers
    if (bytes <= first) return {iova, 0};
    uint64_t next_page = iova + first;
    uint64_t rest_pages = (bytes - first + page_size - 1) / page_size;
    if (rest_pages == 1) return {iova, next_page};
    if (rest_pages > page_size / 8)
        raise(SL_ERR_INTERNAL, "transfer of %llu bytes needs %llu PRP entries, more than one list page holds",
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(rest_pages));
    for (uint64_t i = 0; i < rest_pages; ++i) list[i] = next_page + i * page_size;
    return {iova, list_iova};
}

}  // namespace sl::nvme
