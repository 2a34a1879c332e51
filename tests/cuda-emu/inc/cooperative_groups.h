// Emulation of the cluster part of cooperative_groups that the kernels use: this_cluster()'s barrier,
// block rank and map_shared_rank (a block's dynamic shared memory at the same offset in a peer's).
#pragma once
#include "emu.h"
namespace cooperative_groups {
struct cluster_group {
    void sync() const { emu::cluster_barrier(); }
    unsigned block_rank() const { return emu::cluster_block_rank(); }
    template <class T>
    T* map_shared_rank(T* p, unsigned rank) const {
        return static_cast<T*>(emu::cluster_map(p, rank));
    }
};
inline cluster_group this_cluster() { return {}; }
}  // namespace cooperative_groups
