// Runs a libFuzzer-style target without libFuzzer: every seed file, then a fixed number
// of deterministic mutations of them (bit flips, truncation, duplication, random bytes,
// splices). Deterministic so that a failure reproduces; bounded so that it stays a test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using bytes = std::vector<std::uint8_t>;

bytes read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bytes mutate(const std::vector<bytes>& corpus, std::mt19937_64& rng) {
    bytes b = corpus.empty() ? bytes{} : corpus[rng() % corpus.size()];
    int rounds = 1 + static_cast<int>(rng() % 4);
    for (int r = 0; r < rounds; ++r) {
        switch (rng() % 6) {
        case 0:
            if (!b.empty()) b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
            break;
        case 1:
            if (!b.empty()) b.resize(rng() % b.size());
            break;
        case 2: {
            std::size_t n = rng() % 64;
            std::size_t at = b.empty() ? 0 : rng() % (b.size() + 1);
            bytes junk(n);
            for (auto& c : junk) c = static_cast<std::uint8_t>(rng());
            b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), junk.begin(), junk.end());
            break;
        }
        case 3:
            if (!b.empty() && b.size() < (1u << 16)) {
                std::size_t from = rng() % b.size();
                std::size_t len = 1 + rng() % (b.size() - from);
                bytes piece(b.begin() + static_cast<std::ptrdiff_t>(from),
                            b.begin() + static_cast<std::ptrdiff_t>(from + len));
                b.insert(b.end(), piece.begin(), piece.end());
            }
            break;
        case 4:
            if (!corpus.empty()) {
                const bytes& other = corpus[rng() % corpus.size()];
                if (!other.empty()) {
                    std::size_t cut = b.empty() ? 0 : rng() % b.size();
                    b.resize(cut);
                    b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(rng() % other.size()),
                             other.end());
                }
            }
            break;
        default:
            if (!b.empty()) {
                static const std::uint8_t interesting[] = {0, 0xff, '\n', '\r', ':', '*', ' ', '-', '9', 0x7f};
                b[rng() % b.size()] = interesting[rng() % sizeof(interesting)];
            }
            break;
        }
    }
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<bytes> corpus;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path p(argv[i]);
        if (std::filesystem::is_directory(p)) {
            for (const auto& e : std::filesystem::recursive_directory_iterator(p))
                if (e.is_regular_file()) corpus.push_back(read_all(e.path()));
        } else if (std::filesystem::exists(p)) {
            corpus.push_back(read_all(p));
        }
    }
    for (const auto& input : corpus) LLVMFuzzerTestOneInput(input.data(), input.size());

    const char* env = std::getenv("PRINTGATE_FUZZ_RUNS");
    long runs = env ? std::strtol(env, nullptr, 10) : 20000;
    std::mt19937_64 rng(0x9e3779b97f4a7c15ull);
    for (long i = 0; i < runs; ++i) {
        bytes input = mutate(corpus, rng);
        LLVMFuzzerTestOneInput(input.data(), input.size());
    }
    std::printf("fuzz: %zu seeds, %ld mutated inputs, no crash\n", corpus.size(), runs);
    return 0;
}
