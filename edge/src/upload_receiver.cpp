#include "upload_receiver.hpp"

namespace printgate::edge {

bool upload_receiver::on_part_begin(const multipart_part& part) {
    if (part.filename) {
        if (part.name != "file") {
            problem_ = "the file must be sent in the form field 'file'";
            return false;
        }
        if (file_) {
            problem_ = "only one file per upload";
            return false;
        }
        std::error_code ec;
        file_ = upload_file::create(temp_dir_, ec);
        if (!file_) {
            write_error_ = ec;
            return false;
        }
        filename_ = *part.filename;
        in_file_ = true;
        return true;
    }
    if (fields_.size() >= 8) {
        problem_ = "too many form fields";
        return false;
    }
    in_file_ = false;
    field_name_ = part.name;
    field_value_.clear();
    return true;
}

bool upload_receiver::on_part_data(std::span<const char> bytes) {
    if (in_file_) {
        if (file_->size() + bytes.size() > max_file_bytes_) {
            oversized_ = true;
            file_.reset();  // removes the temporary file
            return false;
        }
        if (!file_->write(bytes, write_error_)) {
            file_.reset();
            return false;
        }
        return true;
    }
    if (field_value_.size() + bytes.size() > max_field_bytes) {
        problem_ = "the form field '" + field_name_ + "' is too long";
        return false;
    }
    field_value_.append(bytes.data(), bytes.size());
    return true;
}

bool upload_receiver::on_part_end() {
    if (!in_file_) fields_[field_name_] = field_value_;
    in_file_ = false;
    return true;
}

}  // namespace printgate::edge
