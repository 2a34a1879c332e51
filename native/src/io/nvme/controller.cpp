#include "io/nvme/controller.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "core/status.h"

namespace sl::nvme {
namespace {

// Controller registers (NVMe base specification, "Controller Registers").
enum Register : uint32_t {
    kCap = 0x00,
    kVersion = 0x08,
    kInterruptMaskSet = 0x0c,
    kConfig = 0x14,
    kStatus = 0x1c,
    kAdminQueueAttributes = 0x24,
    kAdminSqBase = 0x28,
    kAdminCqBase = 0x30,
    kDoorbells = 0x1000,
};

constexpr uint32_t kConfigEnable = 1u << 0;
constexpr uint32_t kConfigShutdownNormal = 1u << 14;
constexpr uint32_t kConfigShutdownMask = 3u << 14;
constexpr uint32_t kConfigIoSqEntry64 = 6u << 16;  // log2(64)
constexpr uint32_t kConfigIoCqEntry16 = 4u << 20;  // log2(16)
constexpr uint32_t kStatusReady = 1u << 0;
constexpr uint32_t kStatusFatal = 1u << 1;
constexpr uint32_t kStatusShutdownMask = 3u << 2;
constexpr uint32_t kStatusShutdownComplete = 2u << 2;

enum AdminOpcode : uint8_t {
    kDeleteSq = 0x00,
    kCreateSq = 0x01,
    kDeleteCq = 0x04,
    kCreateCq = 0x05,
    kIdentify = 0x06,
    kSetFeatures = 0x09,
};
constexpr uint32_t kFeatureNumberOfQueues = 0x07;
constexpr uint32_t kIdentifyNamespace = 0x00;
constexpr uint32_t kIdentifyController = 0x01;
constexpr uint16_t kAdminDepth = 32;

uint64_t cap_field(uint64_t cap, int shift, int bits) { return (cap >> shift) & ((1ull << bits) - 1); }

std::string ascii_field(const uint8_t* data, size_t bytes) {
    std::string text(reinterpret_cast<const char*>(data), bytes);
    auto end = text.find_last_not_of(" \0", std::string::npos, 2);
    return end == std::string::npos ? "" : text.substr(0, end + 1);
}

template <class T>
T load(const uint8_t* data, size_t offset) {
    T value;
    std::memcpy(&value, data + offset, sizeof value);
    return value;
}

}  // namespace

Controller::Controller(VfioDevice& device, DmaSpace& dma, uint32_t nsid, std::chrono::milliseconds command_timeout)
    : device_(device), dma_(dma), command_timeout_(command_timeout) {
    cap_ = read32(kCap) | (static_cast<uint64_t>(read32(kCap + 4)) << 32);
    version_ = read32(kVersion);
    ready_timeout_ = std::chrono::milliseconds(500 * std::max<uint64_t>(1, cap_field(cap_, 24, 8)));
    if (!(cap_field(cap_, 37, 8) & 1)) raise(SL_ERR_UNSUPPORTED, "controller %s does not support the NVM command set", device.bdf().c_str());
    if (cap_field(cap_, 48, 4) != 0) raise(SL_ERR_UNSUPPORTED, "controller %s does not support 4 KiB memory pages", device.bdf().c_str());
    device_.enable_bus_master();
    disable();
    enable();
    ns_.id = nsid;
    identify();
}

Controller::~Controller() {
    if (shut_down_) return;
    try {
        shutdown();
    } catch (...) {
        // Nothing more can be done from a destructor; the kernel driver resets the controller on bind.
    }
}

uint32_t Controller::read32(uint32_t offset) const {
    return *reinterpret_cast<volatile uint32_t*>(device_.bar0() + offset);
}

void Controller::write32(uint32_t offset, uint32_t value) {
    *reinterpret_cast<volatile uint32_t*>(device_.bar0() + offset) = value;
}

void Controller::write64(uint32_t offset, uint64_t value) {
    // Two dword writes, low half first: not every controller accepts 64-bit MMIO.
    write32(offset, static_cast<uint32_t>(value));
    write32(offset + 4, static_cast<uint32_t>(value >> 32));
}

void Controller::wait_ready(bool ready, const char* what) {
    auto deadline = std::chrono::steady_clock::now() + ready_timeout_;
    for (;;) {
        uint32_t status = read32(kStatus);
        if (status == 0xffffffff) raise(SL_ERR_BACKEND, "controller %s vanished from the bus while %s", device_.bdf().c_str(), what);
        if (ready && (status & kStatusFatal)) raise(SL_ERR_BACKEND, "controller %s reported a fatal status while %s", device_.bdf().c_str(), what);
        if (((status & kStatusReady) != 0) == ready) return;
        if (std::chrono::steady_clock::now() > deadline)
            raise(SL_ERR_BACKEND, "controller %s timed out after %lld ms while %s", device_.bdf().c_str(),
                  static_cast<long long>(ready_timeout_.count()), what);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void Controller::disable() {
    write32(kConfig, read32(kConfig) & ~kConfigEnable);
    wait_ready(false, "disabling");
}

void Controller::enable() {
    uint16_t depth = static_cast<uint16_t>(std::min<uint64_t>(kAdminDepth, cap_field(cap_, 0, 16) + 1));
    admin_ = make_queue(0, depth);
    write32(kInterruptMaskSet, 0xffffffff);  // polled: no interrupts wanted
    write32(kAdminQueueAttributes, static_cast<uint32_t>(depth - 1) << 16 | (depth - 1));
    write64(kAdminSqBase, admin_->sq_memory().iova);
    write64(kAdminCqBase, admin_->cq_memory().iova);
    write32(kConfig, kConfigIoSqEntry64 | kConfigIoCqEntry16 | kConfigEnable);  // NVM command set, 4 KiB pages
    wait_ready(true, "enabling");
}

std::unique_ptr<QueuePair> Controller::make_queue(uint16_t id, uint16_t depth) {
    uint32_t stride = 4u << cap_field(cap_, 32, 4);
    auto* doorbells = device_.bar0() + kDoorbells;
    if (kDoorbells + (2u * id + 2) * stride > device_.bar0_size())
        raise(SL_ERR_UNSUPPORTED, "BAR0 of %s is too small for queue %u's doorbells", device_.bdf().c_str(), id);
    DmaBuffer sq = dma_.allocate(depth * sizeof(Command));
    DmaBuffer cq = dma_.allocate(depth * sizeof(Completion));
    return std::make_unique<QueuePair>(id, depth, sq, cq,
                                       reinterpret_cast<volatile uint32_t*>(doorbells + 2u * id * stride),
                                       reinterpret_cast<volatile uint32_t*>(doorbells + (2u * id + 1) * stride));
}

void Controller::check_fatal() const {
    uint32_t status = read32(kStatus);
    if (status == 0xffffffff) raise(SL_ERR_BACKEND, "controller %s vanished from the bus", device_.bdf().c_str());
    if (status & kStatusFatal)
        raise(SL_ERR_BACKEND, "controller %s reported a fatal status (CSTS.CFS); it needs a reset: close and reopen it",
              device_.bdf().c_str());
}

Completion Controller::admin(Command command, const char* what) {
    uint16_t cid = admin_->submit(command);
    auto deadline = std::chrono::steady_clock::now() + command_timeout_;
    for (;;) {
        Completion done;
        bool found = false;
        admin_->reap([&](const Completion& c) {
            if (c.command_id == cid) {
                done = c;
                found = true;
            }
        });
        if (found) {
            if (!done.status().ok())
                raise(SL_ERR_BACKEND, "NVMe %s failed on %s: %s", what, device_.bdf().c_str(), describe(done.status()).c_str());
            return done;
        }
        check_fatal();
        if (std::chrono::steady_clock::now() > deadline)
            raise(SL_ERR_BACKEND, "NVMe %s timed out on %s after %lld ms", what, device_.bdf().c_str(),
                  static_cast<long long>(command_timeout_.count()));
        std::this_thread::yield();
    }
}

void Controller::identify() {
    DmaBuffer page = dma_.allocate(kPageSize);
    struct Release {
        DmaSpace& dma;
        DmaBuffer page;
        ~Release() { dma.release(page); }
    } release{dma_, page};
    const auto* data = static_cast<const uint8_t*>(page.host);

    Command command;
    command.cdw0 = kIdentify;
    command.prp1 = page.iova;
    command.cdw10 = kIdentifyController;
    admin(command, "Identify Controller");
    identity_.vendor_id = load<uint16_t>(data, 0);
    identity_.subsystem_vendor_id = load<uint16_t>(data, 2);
    identity_.serial = ascii_field(data + 4, 20);
    identity_.model = ascii_field(data + 24, 40);
    identity_.firmware = ascii_field(data + 64, 8);
    uint8_t mdts = data[77];
    uint64_t min_page = 1ull << (12 + cap_field(cap_, 48, 4));
    identity_.max_transfer_bytes = mdts == 0 ? 0 : min_page << mdts;
    identity_.namespaces = load<uint32_t>(data, 516);
    identity_.max_queue_entries = static_cast<uint32_t>(cap_field(cap_, 0, 16) + 1);
    if (ns_.id == 0 || ns_.id > identity_.namespaces)
        raise(SL_ERR_INVALID_ARGUMENT, "namespace %u does not exist on %s (it has %u)", ns_.id, device_.bdf().c_str(), identity_.namespaces);

    std::memset(page.host, 0, kPageSize);
    command.nsid = ns_.id;
    command.cdw10 = kIdentifyNamespace;
    admin(command, "Identify Namespace");
    ns_.blocks = load<uint64_t>(data, 0);
    ns_.capacity = load<uint64_t>(data, 8);
    uint8_t flbas = data[26];
    uint32_t format = (flbas & 0xf) | ((flbas >> 5) & 0x3) << 4;
    if (format > data[25]) raise(SL_ERR_BACKEND, "namespace %u of %s names LBA format %u of %u", ns_.id, device_.bdf().c_str(), format, data[25] + 1u);
    uint32_t lbaf = load<uint32_t>(data, 128 + 4 * format);
    uint32_t lbads = (lbaf >> 16) & 0xff;
    if (ns_.blocks == 0 || lbads < 9 || lbads > 16)
        raise(SL_ERR_UNSUPPORTED, "namespace %u of %s is inactive or has an unusable block size (2^%u)", ns_.id, device_.bdf().c_str(), lbads);
    ns_.block_size = 1u << lbads;
    ns_.metadata_size = lbaf & 0xffff;
    // Metadata interleaved with data (FLBAS bit 4) would land in our buffers between the blocks.
    if (ns_.metadata_size != 0 && (flbas & 0x10))
        raise(SL_ERR_UNSUPPORTED, "namespace %u of %s uses extended LBAs with %u bytes of metadata; format it without metadata",
              ns_.id, device_.bdf().c_str(), ns_.metadata_size);
}

std::vector<QueuePair*> Controller::create_io_queues(int count, int depth) {
    if (!io_queues_.empty()) raise(SL_ERR_INTERNAL, "I/O queues of %s were already created", device_.bdf().c_str());
    if (count < 1 || depth < 2) raise(SL_ERR_INVALID_ARGUMENT, "need at least one I/O queue of depth 2 (asked for %d of depth %d)", count, depth);
    uint16_t entries = static_cast<uint16_t>(std::min<uint64_t>(depth, identity_.max_queue_entries));

    Command features;
    features.cdw0 = kSetFeatures;
    features.cdw10 = kFeatureNumberOfQueues;
    features.cdw11 = static_cast<uint32_t>(count - 1) << 16 | static_cast<uint32_t>(count - 1);
    Completion granted = admin(features, "Set Features (Number of Queues)");
    int available = static_cast<int>(std::min(granted.result & 0xffff, granted.result >> 16)) + 1;
    count = std::min(count, available);

    std::vector<QueuePair*> queues;
    for (uint16_t id = 1; id <= count; ++id) {
        auto queue = make_queue(id, entries);
        Command create_cq;
        create_cq.cdw0 = kCreateCq;
        create_cq.prp1 = queue->cq_memory().iova;
        create_cq.cdw10 = static_cast<uint32_t>(entries - 1) << 16 | id;
        create_cq.cdw11 = 1;  // physically contiguous, interrupts off
        admin(create_cq, "Create I/O Completion Queue");
        Command create_sq;
        create_sq.cdw0 = kCreateSq;
        create_sq.prp1 = queue->sq_memory().iova;
        create_sq.cdw10 = static_cast<uint32_t>(entries - 1) << 16 | id;
        create_sq.cdw11 = static_cast<uint32_t>(id) << 16 | 1;  // its CQ, physically contiguous
        admin(create_sq, "Create I/O Submission Queue");
        queues.push_back(queue.get());
        io_queues_.push_back(std::move(queue));
    }
    return queues;
}

void Controller::delete_io_queues() {
    // Submission queues go first: a completion queue cannot be deleted while an SQ still uses it.
    for (auto opcode : {kDeleteSq, kDeleteCq}) {
        for (auto& queue : io_queues_) {
            Command command;
            command.cdw0 = opcode;
            command.cdw10 = queue->id();
            admin(command, opcode == kDeleteSq ? "Delete I/O Submission Queue" : "Delete I/O Completion Queue");
        }
    }
    for (auto& queue : io_queues_) {
        dma_.release(queue->sq_memory());
        dma_.release(queue->cq_memory());
    }
    io_queues_.clear();
}

void Controller::shutdown() {
    shut_down_ = true;
    check_fatal();
    delete_io_queues();
    write32(kConfig, (read32(kConfig) & ~kConfigShutdownMask) | kConfigShutdownNormal);
    auto deadline = std::chrono::steady_clock::now() + ready_timeout_;
    while ((read32(kStatus) & kStatusShutdownMask) != kStatusShutdownComplete) {
        if (std::chrono::steady_clock::now() > deadline)
            raise(SL_ERR_BACKEND, "controller %s did not finish its shutdown within %lld ms", device_.bdf().c_str(),
                  static_cast<long long>(ready_timeout_.count()));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    disable();  // leaves CC.EN = 0, the state the kernel's nvme driver expects to start from
    dma_.release(admin_->sq_memory());
    dma_.release(admin_->cq_memory());
    admin_.reset();
}

}  // namespace sl::nvme
