// The storage readers of tier C (mmap, pread + O_DIRECT, io_uring) on a real file of odd size: many
// requests in flight at once (aligned and not, into aligned and unaligned buffers, registered or
// not, the tail at the end of the file) come back with the file's bytes and their tags; bad
// requests throw; a truncated file gives an SL_ERR_IO completion naming the offset; a reader
// destroyed with reads in flight neither hangs nor leaks.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "core/status.h"
#include "io/tier_readers.h"

namespace fs = std::filesystem;

namespace {

struct AlignedBuffer {
    explicit AlignedBuffer(size_t bytes) : data(static_cast<uint8_t*>(std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096 + 4096))) {}
    ~AlignedBuffer() { std::free(data); }
    uint8_t* data;
};

std::vector<uint8_t> write_random_file(const std::string& path, size_t bytes, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> data(bytes);
    for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(bytes));
    return data;
}

std::unique_ptr<sl::io::TierReader> open(const std::string& path, sl_stream_path kind, const char* name) {
    try {
        return sl::io::make_tier_reader(path, kind);
    } catch (const sl::Error& e) {
        CHECK_EQ(e.status(), SL_ERR_UNSUPPORTED);
        std::printf("  %s: not run here: %s\n", name, e.what());
        return nullptr;
    }
}

std::vector<sl::io::ReadCompletion> wait_all(sl::io::TierReader& reader) {
    std::vector<sl::io::ReadCompletion> all, batch(7);
    while (reader.in_flight() > 0) {
        const size_t n = reader.reap(batch, 5000);
        CHECK(n > 0);
        if (n == 0) break;
        all.insert(all.end(), batch.begin(), batch.begin() + static_cast<long>(n));
    }
    return all;
}

void reads_match_the_file(sl::io::TierReader& reader, const std::vector<uint8_t>& file, const char* name) {
    std::mt19937_64 rng(7);
    const uint64_t size = file.size();
    AlignedBuffer registered(size), plain(size + 8192);
    reader.register_buffer(registered.data, size);
    struct Read {
        uint64_t offset, length;
        uint8_t* dst;
    };
    std::vector<Read> reads;
    // The whole file and its tail into registered memory, then random spans of every alignment.
    reads.push_back({0, size, registered.data});
    uint64_t dst_at = 0;
    for (int i = 0; i < 40; ++i) {
        const bool aligned = i % 2 == 0;
        uint64_t offset = rng() % size;
        if (aligned) offset -= offset % 4096;
        uint64_t length = 1 + rng() % (std::min<uint64_t>(size - offset, 3 << 20));
        if (i % 5 == 0) length = size - offset;  // ends at the end of the file
        if (dst_at + length + 8192 > size) dst_at = 0;
        uint8_t* dst = plain.data + dst_at + (aligned ? 0 : 3);
        dst_at += (length + 8191) / 4096 * 4096;
        reads.push_back({offset, length, dst});
    }
    // Reads into the plain buffer must not overlap: one round at a time for those.
    size_t begin = 0;
    std::vector<bool> seen(reads.size(), false);
    while (begin < reads.size()) {
        size_t end = begin + 1;
        uint64_t used = 0;
        if (begin > 0) {
            end = begin;
            while (end < reads.size() && reads[end].dst >= plain.data + used) {
                used = static_cast<uint64_t>(reads[end].dst - plain.data) + (reads[end].length + 8191) / 4096 * 4096;
                ++end;
            }
        }
        for (size_t i = begin; i < end; ++i) reader.submit({reads[i].offset, reads[i].length, reads[i].dst, i});
        CHECK_EQ(reader.in_flight(), end - begin);
        for (const sl::io::ReadCompletion& c : wait_all(reader)) {
            CHECK_EQ(c.status, SL_OK);
            CHECK(c.tag >= begin && c.tag < end && !seen[c.tag]);
            if (c.tag < begin || c.tag >= end || seen[c.tag]) continue;
            seen[c.tag] = true;
            const Read& r = reads[c.tag];
            CHECK(std::memcmp(r.dst, file.data() + r.offset, r.length) == 0);
        }
        begin = end;
    }
    for (bool s : seen) CHECK(s);
    reader.unregister_buffer(registered.data);
    std::printf("  %s: %zu reads match the file\n", name, reads.size());
}

void bad_requests_throw(sl::io::TierReader& reader) {
    AlignedBuffer buffer(4096);
    int thrown = 0;
    for (const sl::io::ReadRequest& bad : {sl::io::ReadRequest{reader.size() - 10, 20, buffer.data, 0},
                                            sl::io::ReadRequest{reader.size() + 1, 0, buffer.data, 0},
                                            sl::io::ReadRequest{0, 16, nullptr, 0}}) {
        try {
            reader.submit(bad);
        } catch (const sl::Error& e) {
            thrown += e.status() == SL_ERR_INVALID_ARGUMENT;
        }
    }
    CHECK_EQ(thrown, 3);
    CHECK_EQ(reader.in_flight(), size_t{0});
}

void truncated_file_is_an_error(const std::string& path, sl_stream_path kind, const char* name) {
    write_random_file(path, (5 << 20) + 123, 3);
    std::unique_ptr<sl::io::TierReader> reader = open(path, kind, name);
    if (!reader) return;
    fs::resize_file(path, 1 << 20);
    AlignedBuffer buffer(5 << 20);
    reader->submit({2 << 20, 2 << 20, buffer.data, 42});
    const std::vector<sl::io::ReadCompletion> done = wait_all(*reader);
    CHECK_EQ(done.size(), size_t{1});
    if (done.empty()) return;
    CHECK_EQ(done[0].tag, uint64_t{42});
    CHECK_EQ(done[0].status, SL_ERR_IO);
    CHECK(done[0].message.find(std::to_string(2 << 20)) != std::string::npos);
    std::printf("  %s, truncated: %s\n", name, done[0].message.c_str());
}

void destroyed_with_reads_in_flight(const std::string& path, sl_stream_path kind, const char* name) {
    std::unique_ptr<sl::io::TierReader> reader = open(path, kind, name);
    if (!reader) return;
    AlignedBuffer buffer(reader->size());
    for (int i = 0; i < 8; ++i) reader->submit({0, reader->size(), buffer.data, static_cast<uint64_t>(i)});
    reader.reset();  // must wait for the reads writing into buffer, then go
    CHECK(true);
}

}  // namespace

int main() {
    char tmp[] = "/tmp/sluice_readers_XXXXXX";
    close(mkstemp(tmp));
    const std::string path = tmp;
    const std::vector<uint8_t> file = write_random_file(path, (9 << 20) + 4321, 1);
    const struct {
        sl_stream_path kind;
        const char* name;
    } kinds[] = {{SL_STREAM_MMAP, "mmap"}, {SL_STREAM_PREAD, "pread"}, {SL_STREAM_URING, "io_uring"}, {SL_STREAM_AUTO, "auto"}};
    for (const auto& k : kinds) {
        std::unique_ptr<sl::io::TierReader> reader = open(path, k.kind, k.name);
        if (!reader) continue;
        CHECK_EQ(reader->size(), file.size());
        reads_match_the_file(*reader, file, k.name);
        bad_requests_throw(*reader);
    }
    for (const auto& k : kinds) destroyed_with_reads_in_flight(path, k.kind, k.name);
    for (const auto& k : kinds) truncated_file_is_an_error(path, k.kind, k.name);
    bool refused = false;
    try {
        sl::io::make_tier_reader(path, SL_STREAM_NVME);
    } catch (const sl::Error& e) {
        refused = e.status() == SL_ERR_INVALID_ARGUMENT;
    }
    CHECK(refused);
    fs::remove(path);
    return sltest::finish("test_tier_readers");
}
