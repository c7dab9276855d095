#pragma once
// The multipart handler behind uploads: the part with a filename goes to a temporary file
// (at most `max_file_bytes`), the few small fields (path, select, print) are kept.
#include "printgate/edge/file_store.hpp"
#include "printgate/edge/multipart_parser.hpp"

#include <map>
#include <memory>
#include <string>
#include <system_error>

namespace printgate::edge {

class upload_receiver final : public multipart_handler {
public:
    static constexpr std::size_t max_field_bytes = 4096;

    upload_receiver(std::filesystem::path temp_dir, std::uint64_t max_file_bytes)
        : temp_dir_(std::move(temp_dir)), max_file_bytes_(max_file_bytes) {}

    bool on_part_begin(const multipart_part& part) override;
    bool on_part_data(std::span<const char> bytes) override;
    bool on_part_end() override;

    bool oversized() const { return oversized_; }
    const std::error_code& write_error() const { return write_error_; }
    const std::string& problem() const { return problem_; }  // why a part was refused
    std::unique_ptr<upload_file>& file() { return file_; }
    const std::string& filename() const { return filename_; }
    std::string field(const std::string& name) const {
        auto it = fields_.find(name);
        return it == fields_.end() ? std::string() : it->second;
    }

private:
    std::filesystem::path temp_dir_;
    std::uint64_t max_file_bytes_;
    std::unique_ptr<upload_file> file_;
    std::string filename_;
    bool in_file_ = false;
    std::string field_name_, field_value_;
    std::map<std::string, std::string> fields_;
    bool oversized_ = false;
    std::error_code write_error_;
    std::string problem_;
};

}  // namespace printgate::edge
