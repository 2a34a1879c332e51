// A drive ready for reads: the VFIO device, its DMA space, the controller brought up and its I/O
// queues, built from the ABI's sl_nvme_options. Both the sl_nvme handle and the NVMe weight source
// open drives this way, and both find a model on it through its Sluice header.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/nvme/controller.h"
#include "io/nvme/dma.h"
#include "io/nvme/model_header.h"
#include "io/nvme/nvme_reader.h"
#include "io/nvme/vfio.h"
#include "sluice/sluice.h"

namespace sl::nvme {

class Drive {
public:
    // Checks the options (SL_ERR_INVALID_ARGUMENT naming the bad one) and brings the controller up.
    Drive(const std::string& bdf, const sl_nvme_options& options);
    // The controller shuts down (CC.SHN) if shutdown() was not called; never throws.
    ~Drive() = default;
    Drive(const Drive&) = delete;
    Drive& operator=(const Drive&) = delete;

    const VfioDevice& device() const { return *device_; }
    const Controller& controller() const { return *controller_; }
    const std::vector<QueuePair*>& queues() const { return queues_; }
    const sl_nvme_options& options() const { return options_; }

    // A reader over every queue for namespace bytes [start, start + bytes); bytes 0: to the end.
    std::unique_ptr<NvmeReader> make_reader(uint64_t start, uint64_t bytes);

    // The Sluice header at block `lba`, read through `reader` (a reader over the whole namespace).
    ModelHeader read_header(NvmeReader& reader, uint64_t lba) const;
    // The namespace byte where the model that `header` (found at `lba`) describes starts;
    // SL_ERR_FORMAT when the model does not fit the namespace.
    uint64_t model_start(uint64_t lba, const ModelHeader& header) const;

    // Deletes the I/O queues and shuts the controller down (CC.SHN); the drive is unusable after.
    void shutdown();

private:
    // Declaration order is teardown order reversed: the controller shuts down before the DMA space
    // and the device go.
    sl_nvme_options options_;
    std::unique_ptr<VfioDevice> device_;
    std::unique_ptr<DmaSpace> dma_;
    std::unique_ptr<Controller> controller_;
    std::vector<QueuePair*> queues_;
};

}  // namespace sl::nvme
