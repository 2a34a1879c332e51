// Host-side tests of the userspace NVMe driver's pure parts: PRP lists, status decoding, queue
// phase handling (against a hand-played controller), the Sluice model header and GGUF prefix, and
// the image writer. The driver against a real controller is tested in tests/qemu-nvme.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "check.h"
#include "golden_files.h"
#include "core/status.h"
#include "io/nvme/image_writer.h"
#include "io/nvme/model_header.h"
#include "io/nvme/prp.h"
#include "io/nvme/queue.h"
#include "io/nvme/status.h"

using namespace sl::nvme;

namespace {

const std::string kModel = sltest::golden::file("models/tiny-spm-Q4_0.gguf").string();
const std::string kOtherModel = sltest::golden::file("models/tiny-spm-Q8_0.gguf").string();

template <class Body>
sl_status status_of(Body&& body) {
    try {
        body();
        return SL_OK;
    } catch (const sl::Error& e) {
        return e.status();
    }
}

std::vector<uint8_t> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void test_prp() {
    const uint64_t page = 4096;
    uint64_t list[512] = {};
    Prp one = build_prp(0x10000, 4096, page, list, 0x90000);
    CHECK_EQ(one.prp1, 0x10000u);
    CHECK_EQ(one.prp2, 0u);
    Prp offset_one = build_prp(0x10100, 4096 - 0x100, page, list, 0x90000);
    CHECK_EQ(offset_one.prp2, 0u);
    Prp two = build_prp(0x10100, 4096, page, list, 0x90000);  // spills into the next page
    CHECK_EQ(two.prp2, 0x11000u);
    Prp many = build_prp(0x10200, 5 * page, page, list, 0x90000);
    CHECK_EQ(many.prp1, 0x10200u);
    CHECK_EQ(many.prp2, 0x90000u);
    CHECK_EQ(list[0], 0x11000u);
    CHECK_EQ(list[4], 0x15000u);
    CHECK_EQ(max_prp_transfer(page), 512u * page);
    CHECK_EQ(status_of([&] { build_prp(0x10002, 512, page, list, 0x90000); }), SL_ERR_INTERNAL);
    CHECK_EQ(status_of([&] { build_prp(0x10000, 514 * page, page, list, 0x90000); }), SL_ERR_INTERNAL);
}

void test_status() {
    CompletionStatus lba{static_cast<uint16_t>(0x80 | 1 << 14)};
    std::string text = describe(lba);
    CHECK(text.find("LBA Out of Range") != std::string::npos);
    CHECK(text.find("do not retry") != std::string::npos);
    CHECK(!lba.ok());
    CHECK(describe({static_cast<uint16_t>(2 << 8 | 0x81)}).find("Unrecovered Read Error") != std::string::npos);
    CHECK(describe({static_cast<uint16_t>(7 << 8 | 0x42)}).find("unknown status") != std::string::npos);
    CHECK(CompletionStatus{0}.ok());
}

// Plays the controller by hand: posts completions with the right phase, across the wrap.
void test_queue_phase() {
    const uint16_t depth = 4;
    std::vector<Command> sq(depth);
    std::vector<Completion> cq(depth);
    uint32_t sq_doorbell = 0, cq_doorbell = 0;
    QueuePair queue(1, depth, {sq.data(), 0x1000, sizeof(Command) * depth}, {cq.data(), 0x2000, sizeof(Completion) * depth},
                    &sq_doorbell, &cq_doorbell);
    uint16_t phase = 1, head = 0;
    std::vector<uint16_t> seen;
    for (int round = 0; round < 3; ++round) {
        std::vector<uint16_t> ids;
        while (!queue.full()) ids.push_back(queue.submit(Command{}));
        CHECK_EQ(ids.size(), size_t(depth - 1));
        CHECK_EQ(queue.outstanding(), size_t(depth - 1));
        for (uint16_t id : ids) {
            cq[head] = {};
            cq[head].command_id = id;
            cq[head].status_phase = static_cast<uint16_t>(phase | (round == 2 ? 0x80 << 1 : 0));
            if (++head == depth) head = 0, phase ^= 1;
        }
        seen.clear();
        bool errors = false;
        size_t n = queue.reap([&](const Completion& c) {
            seen.push_back(c.command_id);
            errors = errors || !c.status().ok();
        });
        CHECK_EQ(n, ids.size());
        CHECK(seen == ids);
        CHECK_EQ(errors, round == 2);
        CHECK_EQ(cq_doorbell, head);
        CHECK_EQ(queue.outstanding(), 0u);
        CHECK_EQ(queue.reap([](const Completion&) {}), 0u);  // nothing new: the phase has not flipped
    }
    CHECK_EQ(sq_doorbell, (3u * (depth - 1)) % depth);
}

// Commands that never complete are found by their age; a stray completion frees nothing twice.
void test_queue_timeouts() {
    const uint16_t depth = 8;
    std::vector<Command> sq(depth);
    std::vector<Completion> cq(depth);
    uint32_t sq_doorbell = 0, cq_doorbell = 0;
    QueuePair queue(2, depth, {sq.data(), 0x1000, sizeof(Command) * depth}, {cq.data(), 0x2000, sizeof(Completion) * depth},
                    &sq_doorbell, &cq_doorbell);
    auto start = std::chrono::steady_clock::now();
    uint16_t cid = queue.submit(Command{});
    CHECK(!queue.overdue(start, std::chrono::milliseconds(1000)).has_value());
    auto late = queue.overdue(start + std::chrono::seconds(2), std::chrono::milliseconds(1000));
    CHECK(late.has_value() && *late == cid);

    for (int i = 0; i < 2; ++i) {  // the same command id completed twice
        cq[i].command_id = cid;
        cq[i].status_phase = 1;
    }
    CHECK_EQ(queue.reap([](const Completion&) {}), 2u);
    CHECK_EQ(queue.outstanding(), 0u);
    size_t submitted = 0;
    while (!queue.full()) queue.submit(Command{}), ++submitted;
    CHECK_EQ(submitted, size_t(depth - 1));
}

void test_model_header() {
    ModelHeader header = header_for_file(kModel, 512);
    auto file = slurp(kModel);
    CHECK_EQ(header.model_size, file.size());
    CHECK(header.prefix_size > 24 && header.prefix_size < file.size());
    CHECK_EQ(header.prefix_size % 32, 0u);
    CHECK_EQ(header.prefix_hash, fnv1a64(file.data(), header.prefix_size));
    CHECK_EQ(header.data_offset, 4096u);
    CHECK_EQ(header_for_file(kModel, 8192).data_offset, 8192u);

    uint8_t block[kModelHeaderBytes];
    encode(header, block);
    ModelHeader back = decode(block);
    CHECK_EQ(back.prefix_hash, header.prefix_hash);
    CHECK_EQ(back.model_size, header.model_size);
    CHECK_EQ(status_of([&] { require_same_model(back, header); }), SL_OK);
    CHECK_EQ(status_of([&] { require_same_model(back, header_for_file(kOtherModel, 512)); }), SL_ERR_FORMAT);

    block[20] ^= 1;  // a flipped bit in model_size
    CHECK_EQ(status_of([&] { decode(block); }), SL_ERR_FORMAT);
    std::memset(block, 0, sizeof block);
    CHECK_EQ(status_of([&] { decode(block); }), SL_ERR_FORMAT);
}

std::string temp_file(const std::vector<uint8_t>& bytes) {
    char path[] = "/tmp/sluice-nvme-test-XXXXXX";
    int fd = mkstemp(path);
    if (!bytes.empty() && write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) std::abort();
    close(fd);
    return path;
}

void test_bad_gguf() {
    auto file = slurp(kModel);
    std::string truncated = temp_file(std::vector<uint8_t>(file.begin(), file.begin() + 1000));
    CHECK_EQ(status_of([&] { header_for_file(truncated, 512); }), SL_ERR_FORMAT);
    std::string not_gguf = temp_file(std::vector<uint8_t>(4096, 'x'));
    CHECK_EQ(status_of([&] { header_for_file(not_gguf, 512); }), SL_ERR_FORMAT);
    CHECK_EQ(status_of([&] { header_for_file("/nonexistent/model.gguf", 512); }), SL_ERR_IO);
    unlink(truncated.c_str());
    unlink(not_gguf.c_str());
}

void test_image_writer() {
    auto file = slurp(kModel);
    std::string image = temp_file({});
    CHECK_EQ(truncate(image.c_str(), 8 << 20), 0);
    uint64_t bytes_done = 0;
    ModelHeader header = write_model(image, kModel, 100, &bytes_done);
    CHECK_EQ(bytes_done, header.model_size);
    auto bytes = slurp(image);
    uint8_t block[kModelHeaderBytes];
    std::memcpy(block, bytes.data() + 100 * 512, sizeof block);
    CHECK_EQ(decode(block).prefix_hash, header.prefix_hash);
    CHECK(std::equal(file.begin(), file.end(), bytes.begin() + 100 * 512 + header.data_offset));
    CHECK_EQ(status_of([&] { write_model(image, kModel, 16000); }), SL_ERR_INVALID_ARGUMENT);  // no room
    unlink(image.c_str());
}

}  // namespace

int main() {
    if (access(kModel.c_str(), R_OK) != 0) return sltest::skip("test_nvme", "golden models not found");
    test_prp();
    test_status();
    test_queue_phase();
    test_queue_timeouts();
    test_model_header();
    test_bad_gguf();
    test_image_writer();
    return sltest::finish("test_nvme");
}
