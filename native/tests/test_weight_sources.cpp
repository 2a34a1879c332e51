// The weight sources a model reads its bytes through: the mapped file hands out addresses into the
// file itself; the host buffer the NVMe source reads into is page-aligned, writable and moves
// without copying. (The NVMe source itself runs in the QEMU guest: tests/qemu-nvme.)
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "check.h"
#include "golden_files.h"
#include "core/status.h"
#include "io/host_buffer.h"
#include "io/weight_source.h"

namespace {

void mapped_source_serves_the_file() {
    const std::string path = sltest::golden::file("models/tiny-spm-Q4_0.gguf").string();
    std::ifstream in(path, std::ios::binary);
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto source = sl::io::make_mapped_weight_source(path);
    CHECK_EQ(source->size(), bytes.size());
    const uint64_t begin = bytes.size() / 3, end = bytes.size() - 17;
    const sl::io::ByteRange ranges[] = {{17, 4096}, {begin, end}};
    source->load_resident(ranges);
    CHECK(std::memcmp(source->at(17), bytes.data() + 17, 4096 - 17) == 0);
    CHECK(std::memcmp(source->at(begin), bytes.data() + begin, end - begin) == 0);
}

void mapped_source_refuses_a_missing_file() {
    bool raised = false;
    try {
        sl::io::make_mapped_weight_source("/nonexistent/model.gguf");
    } catch (const sl::Error& e) {
        raised = e.status() == SL_ERR_IO && std::strstr(e.what(), "/nonexistent/model.gguf") != nullptr;
    }
    CHECK(raised);
}

void host_buffer_is_aligned_writable_and_moves() {
    sl::io::HostBuffer buffer(3 << 20);
    CHECK(buffer.size() >= (size_t{3} << 20));
    CHECK_EQ(reinterpret_cast<uintptr_t>(buffer.data()) % 4096, uintptr_t{0});
    std::memset(buffer.data(), 0x5a, buffer.size());
    uint8_t* data = buffer.data();
    sl::io::HostBuffer moved(std::move(buffer));
    CHECK(moved.data() == data && buffer.data() == nullptr && buffer.size() == 0);
    CHECK_EQ(moved.data()[moved.size() - 1], uint8_t{0x5a});
    sl::io::HostBuffer assigned;
    assigned = std::move(moved);
    CHECK(assigned.data() == data && moved.data() == nullptr);
}

}  // namespace

int main() {
    mapped_source_serves_the_file();
    mapped_source_refuses_a_missing_file();
    host_buffer_is_aligned_writable_and_moves();
    return sltest::finish("test_weight_sources");
}
