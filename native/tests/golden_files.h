// The golden data for tests (tests/golden/README.md): where its files are, and readers with just
// enough GGUF to build the hyperparameters and tensor table of a Llama file, the .npy logits and the
// token ids of the prompt .json.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cpu/quant/quant.h"
#include "sluice/sluice.h"

namespace sltest::golden {

namespace fs = std::filesystem;

// The subset in the repository, always, then the full set beside the project when it is there
// (without it, one line says so, once per test).
inline const std::vector<fs::path>& roots() {
    static const std::vector<fs::path> found = [] {
        std::vector<fs::path> r{SLUICE_GOLDEN_SUBSET_DIR};
        if (fs::is_directory(SLUICE_GOLDEN_DIR))
            r.emplace_back(SLUICE_GOLDEN_DIR);
        else
            std::printf("golden: no full set at %s; testing with the in-repository subset only\n", SLUICE_GOLDEN_DIR);
        return r;
    }();
    return found;
}

// A file (e.g. "models/tiny-spm-Q4_0.gguf") from the subset, else from the full set; the subset's
// path when neither has it.
inline fs::path file(const std::string& relative) {
    for (const fs::path& root : roots())
        if (fs::exists(root / relative)) return root / relative;
    return roots().front() / relative;
}

// The files of a folder with this extension from both sets, a name in both taken from the subset.
inline std::vector<fs::path> list(const std::string& folder, const std::string& extension) {
    std::map<std::string, fs::path> by_name;
    for (const fs::path& root : roots()) {
        if (!fs::is_directory(root / folder)) continue;
        for (const fs::directory_entry& e : fs::directory_iterator(root / folder))
            if (e.path().extension() == extension) by_name.emplace(e.path().filename().string(), e.path());
    }
    std::vector<fs::path> out;
    for (const auto& [name, path] : by_name) out.push_back(path);
    return out;
}

struct LlamaFile {
    sl_hparams hp{};
    std::vector<sl_tensor_desc> tensors;
};

class GgufReader {
public:
    explicit GgufReader(const std::string& path) : in_(path, std::ios::binary) {}

    // Empty when the file is not GGUF v2/v3.
    std::optional<LlamaFile> read_llama() {
        char magic[4] = {};
        in_.read(magic, 4);
        const uint32_t version = get<uint32_t>();
        if (!in_ || std::memcmp(magic, "GGUF", 4) != 0 || version < 2) return std::nullopt;
        const uint64_t n_tensors = get<uint64_t>(), n_kv = get<uint64_t>();
        for (uint64_t i = 0; i < n_kv; ++i) {
            const std::string key = str();
            read_value(key, get<uint32_t>());
        }
        struct Info {
            std::string name;
            uint32_t n_dims;
            int64_t ne[4];
            uint32_t type;
            uint64_t offset;
        };
        std::vector<Info> infos(n_tensors);
        for (Info& t : infos) {
            t.name = str();
            t.n_dims = get<uint32_t>();
            for (int d = 0; d < 4; ++d) t.ne[d] = d < static_cast<int>(t.n_dims) ? static_cast<int64_t>(get<uint64_t>()) : 1;
            t.type = get<uint32_t>();
            t.offset = get<uint64_t>();
        }
        const uint64_t alignment = static_cast<uint64_t>(number("general.alignment", 32));
        const uint64_t data_start = (static_cast<uint64_t>(in_.tellg()) + alignment - 1) / alignment * alignment;
        LlamaFile f;
        for (size_t i = 0; i < infos.size(); ++i) {
            const Info& t = infos[i];
            const uint64_t end = i + 1 < infos.size() ? infos[i + 1].offset : file_size() - data_start;
            int32_t layer = -1;
            std::string role_name = t.name.substr(0, t.name.rfind(".weight"));
            if (role_name.rfind("blk.", 0) == 0) {
                const size_t dot = role_name.find('.', 4);
                layer = std::stoi(role_name.substr(4, dot - 4));
                role_name = role_name.substr(dot + 1);
            }
            sl_tensor_desc d{role(role_name), layer, static_cast<int32_t>(t.type), static_cast<int32_t>(t.n_dims),
                             {t.ne[0], t.ne[1], t.ne[2], t.ne[3]}, data_start + t.offset, 0};
            d.size = exact_size(d, end - t.offset);
            if (d.role == SL_ROLE_TOKEN_EMBD) f.hp.n_vocab = static_cast<int32_t>(t.ne[1]);
            f.tensors.push_back(d);
        }
        sl_hparams& hp = f.hp;
        hp.n_ctx_train = static_cast<int32_t>(number("llama.context_length", 0));
        hp.n_embd = static_cast<int32_t>(number("llama.embedding_length", 0));
        hp.n_layer = static_cast<int32_t>(number("llama.block_count", 0));
        hp.n_head = static_cast<int32_t>(number("llama.attention.head_count", 0));
        hp.n_head_kv = static_cast<int32_t>(number("llama.attention.head_count_kv", hp.n_head));
        hp.n_ff = static_cast<int32_t>(number("llama.feed_forward_length", 0));
        hp.head_dim = hp.n_embd / hp.n_head;
        hp.n_rot = static_cast<int32_t>(number("llama.rope.dimension_count", hp.head_dim));
        hp.rope_freq_base = static_cast<float>(number("llama.rope.freq_base", 10000.0));
        hp.rope_freq_scale = 1.0f;
        hp.rms_eps = static_cast<float>(number("llama.attention.layer_norm_rms_epsilon", 1e-5));
        hp.tied_output = 1;
        for (const sl_tensor_desc& d : f.tensors)
            if (d.role == SL_ROLE_OUTPUT) hp.tied_output = 0;
        return f;
    }

private:
    template <class T>
    T get() {
        T v{};
        in_.read(reinterpret_cast<char*>(&v), sizeof v);
        return v;
    }
    std::string str() {
        std::string s(get<uint64_t>(), '\0');
        in_.read(s.data(), static_cast<std::streamsize>(s.size()));
        return s;
    }
    uint64_t file_size() {
        const auto here = in_.tellg();
        in_.seekg(0, std::ios::end);
        const auto size = static_cast<uint64_t>(in_.tellg());
        in_.seekg(here);
        return size;
    }

    // Keeps scalar numbers by key; skips strings and arrays.
    void read_value(const std::string& key, uint32_t type) {
        switch (type) {
            case 0: numbers_[key] = get<uint8_t>(); break;
            case 1: numbers_[key] = get<int8_t>(); break;
            case 2: numbers_[key] = get<uint16_t>(); break;
            case 3: numbers_[key] = get<int16_t>(); break;
            case 4: numbers_[key] = get<uint32_t>(); break;
            case 5: numbers_[key] = get<int32_t>(); break;
            case 6: numbers_[key] = get<float>(); break;
            case 7: numbers_[key] = get<uint8_t>(); break;
            case 8: str(); break;
            case 9: {
                const uint32_t elem = get<uint32_t>();
                const uint64_t n = get<uint64_t>();
                for (uint64_t i = 0; i < n; ++i) read_value("", elem);
                break;
            }
            case 10: numbers_[key] = static_cast<double>(get<uint64_t>()); break;
            case 11: numbers_[key] = static_cast<double>(get<int64_t>()); break;
            case 12: numbers_[key] = get<double>(); break;
        }
    }
    double number(const std::string& key, double fallback) const {
        auto it = numbers_.find(key);
        return it == numbers_.end() ? fallback : it->second;
    }

    static int32_t role(const std::string& name) {
        static const char* names[] = {"token_embd", "output_norm", "output",      "rope_freqs", "attn_norm",
                                      "attn_q",     "attn_k",      "attn_v",      "attn_output", "ffn_norm",
                                      "ffn_gate",   "ffn_up",      "ffn_down"};
        for (int32_t r = 0; r < 13; ++r)
            if (name == names[r]) return r;
        return -1;
    }

    // The bytes of a tensor: its row size times rows for the types whose blocks the test knows,
    // otherwise the distance to the next tensor (its padding included, so validation rejects it).
    static uint64_t exact_size(const sl_tensor_desc& d, uint64_t span) {
        const sl::TypeTraits* traits = sl::type_traits(d.type);
        if (!traits) return span;
        return sl::row_bytes(traits->type, d.ne[0]) * static_cast<uint64_t>(d.ne[1] * d.ne[2] * d.ne[3]);
    }

    std::ifstream in_;
    std::map<std::string, double> numbers_;
};

// A float32 .npy file of shape [rows, cols].
struct Logits {
    int64_t rows = 0, cols = 0;
    std::vector<float> values;
};

inline Logits read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[8];
    in.read(magic, 8);
    uint16_t header_len = 0;
    in.read(reinterpret_cast<char*>(&header_len), 2);
    std::string header(header_len, '\0');
    in.read(header.data(), header_len);
    Logits l;
    const size_t shape = header.find("'shape': (");
    std::istringstream dims(header.substr(shape + 10));
    char comma;
    dims >> l.rows >> comma >> l.cols;
    l.values.resize(static_cast<size_t>(l.rows * l.cols));
    in.read(reinterpret_cast<char*>(l.values.data()), static_cast<std::streamsize>(l.values.size() * 4));
    return l;
}

// The integers of the array under "key" in a small JSON file, or one number for a scalar key.
inline std::vector<double> json_numbers(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t at = text.find(':', text.find("\"" + key + "\"")) + 1;
    const bool array = text.find_first_not_of(" \n", at) == text.find('[', at);
    const size_t end = array ? text.find(']', at) : text.find_first_of(",\n}", at);
    std::string body = text.substr(at, end - at);
    for (char& c : body)
        if (c == '[' || c == ',') c = ' ';
    std::istringstream numbers(body);
    std::vector<double> out;
    for (double v; numbers >> v;) out.push_back(v);
    return out;
}

}  // namespace sltest::golden
