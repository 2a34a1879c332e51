// An NVMe controller driven from userspace: register access, bring-up (disable, admin queue,
// enable), Identify, I/O queue creation and the clean shutdown (CC.SHN) that hands the drive back
// to the kernel in a state its nvme driver accepts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/nvme/dma.h"
#include "io/nvme/queue.h"
#include "io/nvme/vfio.h"

namespace sl::nvme {

struct ControllerIdentity {
    uint16_t vendor_id = 0;
    uint16_t subsystem_vendor_id = 0;
    std::string serial;
    std::string model;
    std::string firmware;
    uint32_t namespaces = 0;
    uint64_t max_transfer_bytes = 0;  // from MDTS; 0 means the controller sets no limit
    uint32_t max_queue_entries = 0;   // CAP.MQES + 1
};

struct NamespaceIdentity {
    uint32_t id = 0;
    uint64_t blocks = 0;    // NSZE
    uint64_t capacity = 0;  // NCAP, in blocks
    uint32_t block_size = 0;
    uint32_t metadata_size = 0;  // bytes of metadata per block in the chosen LBA format
    uint64_t bytes() const { return blocks * block_size; }
};

class Controller {
public:
    // Resets and enables the controller, identifies it and namespace `nsid`.
    Controller(VfioDevice& device, DmaSpace& dma, uint32_t nsid, std::chrono::milliseconds command_timeout);
    ~Controller();  // shuts down if shutdown() was not called; never throws
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;

    const ControllerIdentity& identity() const { return identity_; }
    const NamespaceIdentity& ns() const { return ns_; }
    uint32_t version() const { return version_; }
    std::chrono::milliseconds command_timeout() const { return command_timeout_; }
    static constexpr uint64_t kPageSize = 4096;  // CC.MPS = 0

    // Asks for `count` I/O queue pairs of `depth` entries; the controller may grant fewer queues.
    // Returns the queues, owned by the controller.
    std::vector<QueuePair*> create_io_queues(int count, int depth);

    // Throws if the controller reported a fatal status (CSTS.CFS), naming it.
    void check_fatal() const;

    // Deletes the I/O queues, requests a normal shutdown (CC.SHN) and waits for it to finish.
    void shutdown();

private:
    uint32_t read32(uint32_t offset) const;
    void write32(uint32_t offset, uint32_t value);
    void write64(uint32_t offset, uint64_t value);
    void wait_ready(bool ready, const char* what);
    void disable();
    void enable();
    void identify();
    Completion admin(Command command, const char* what);
    std::unique_ptr<QueuePair> make_queue(uint16_t id, uint16_t depth);
    void delete_io_queues();

    VfioDevice& device_;
    DmaSpace& dma_;
    uint64_t cap_ = 0;
    uint32_t version_ = 0;
    std::chrono::milliseconds ready_timeout_;
    std::chrono::milliseconds command_timeout_;
    std::unique_ptr<QueuePair> admin_;
    std::vector<std::unique_ptr<QueuePair>> io_queues_;
    ControllerIdentity identity_;
    NamespaceIdentity ns_;
    bool shut_down_ = false;
};

}  // namespace sl::nvme
