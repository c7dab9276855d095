#include "printgate/edge/resume_plan.hpp"

#include "printgate/edge/file_store.hpp"
#include "printgate/printer/gcode_analysis.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <fstream>

namespace printgate::edge {

namespace {

constexpr std::size_t max_line = 64 * 1024;

// One line without its '\n'; longer lines are cut (and still consumed whole).
bool read_line(std::istream& in, std::string& line) {
    line.clear();
    std::streambuf* sb = in.rdbuf();
    bool any = false;
    for (;;) {
        const int c = sb->sbumpc();
        if (c == std::char_traits<char>::eof()) return any;
        any = true;
        if (c == '\n') return true;
        if (line.size() < max_line) line += static_cast<char>(c);
    }
}

std::optional<double> word(const std::string& code, char letter) {
    for (std::size_t i = 0; i < code.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(code[i])) != letter) continue;
        if (i > 0 && code[i - 1] != ' ') continue;
        char* end = nullptr;
        const double v = std::strtod(code.c_str() + i + 1, &end);
        if (end != code.c_str() + i + 1) return v;
    }
    return std::nullopt;
}

struct machine {
    double e = 0;
    bool relative_e = false;
    double hotend = 0, bed = 0;
    std::optional<double> fan, feedrate;

    void apply(std::string code) {
        if (auto semi = code.find(';'); semi != std::string::npos) code.resize(semi);
        while (!code.empty() && std::isspace(static_cast<unsigned char>(code.back()))) code.pop_back();
        std::size_t start = 0;
        while (start < code.size() && code[start] == ' ') ++start;
        code = code.substr(start);
        if (code.empty()) return;
        const auto cmd = code.substr(0, code.find(' '));
        if (cmd == "G0" || cmd == "G1" || cmd == "G2" || cmd == "G3") {
            if (auto f = word(code, 'F')) feedrate = *f;
            if (auto v = word(code, 'E')) e = relative_e ? e + *v : *v;
        } else if (cmd == "G92") {
            if (auto v = word(code, 'E')) e = *v;
        } else if (cmd == "M82" || cmd == "G90") {
            relative_e = false;
        } else if (cmd == "M83" || cmd == "G91") {
            relative_e = true;
        } else if (cmd == "M104" || cmd == "M109") {
            if (auto s = word(code, 'S')) hotend = *s;
        } else if (cmd == "M140" || cmd == "M190") {
            if (auto s = word(code, 'S')) bed = *s;
        } else if (cmd == "M106") {
            fan = word(code, 'S').value_or(255);
        } else if (cmd == "M107") {
            fan = 0;
        }
    }
};

}  // namespace

std::optional<resume_plan> plan_resume(const std::filesystem::path& file, std::uint64_t interrupted_line,
                                       std::optional<double> interrupted_z, std::string& why) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        why = "cannot read " + file.filename().string();
        return std::nullopt;
    }
    printer::gcode_analyzer analyzer;
    machine m;
    std::optional<resume_plan> best;
    std::string line;
    for (std::uint64_t n = 1; n <= interrupted_line && read_line(in, line); ++n) {
        if (auto change = analyzer.feed_line(line)) {
            resume_plan p;
            p.layer_index = change->index;
            p.layer_z = change->z;
            p.start_line = n;
            p.e_position = m.e;
            p.relative_e = m.relative_e;
            p.hotend_temp = m.hotend;
            p.bed_temp = m.bed;
            p.fan = m.fan;
            p.feedrate = m.feedrate;
            best = p;
        }
        m.apply(line);
    }
    if (!best) {
        why = "the job stopped before its first layer: start it again instead";
        return std::nullopt;
    }
    auto& p = *best;
    p.stop_z = interrupted_z.value_or(p.layer_z);
    if (p.stop_z + 0.01 < p.layer_z) p.warnings.push_back("the recorded Z is below the layer to print; check the nozzle height");
    if (p.hotend_temp <= 0) p.warnings.push_back("the file set no hotend temperature before this layer");
    p.warnings.push_back("Z is not homed: the nozzle must still be where the print stopped");
    p.warnings.push_back("the part must still be stuck to the bed");

    std::string g;
    g += fmt::format("; printgate resume from layer {} (Z {:.3f}), file line {}\n", p.layer_index + 1, p.layer_z, p.start_line);
    if (p.bed_temp > 0) g += fmt::format("M140 S{:g}\n", p.bed_temp);
    if (p.hotend_temp > 0) g += fmt::format("M104 S{:g}\n", p.hotend_temp);
    if (p.bed_temp > 0) g += fmt::format("M190 S{:g}\n", p.bed_temp);
    if (p.hotend_temp > 0) g += fmt::format("M109 S{:g}\n", p.hotend_temp);
    g += "G90\n";
    g += fmt::format("G92 Z{:.3f}\n", p.stop_z);  // where the nozzle stopped: Z is not homed
    g += fmt::format("G1 Z{:.3f} F600\n", p.stop_z + 5);
    g += "G28 X Y\n";
    g += p.relative_e ? "M83\n" : "M82\n";
    g += fmt::format("G92 E{:.5f}\n", p.relative_e ? 0.0 : p.e_position);
    if (p.fan) g += fmt::format("M106 S{:g}\n", *p.fan);
    g += fmt::format("G1 Z{:.3f} F600\n", p.layer_z);
    if (p.feedrate) g += fmt::format("G1 F{:g}\n", *p.feedrate);
    g += "; printgate resume: the original file continues\n";
    p.preamble = std::move(g);
    return best;
}

bool write_resume_file(const std::filesystem::path& source, const resume_plan& plan,
                       const std::filesystem::path& target, std::string& why) {
    std::ifstream in(source, std::ios::binary);
    if (!in) {
        why = "cannot read " + source.filename().string();
        return false;
    }
    std::error_code ec;
    auto out = upload_file::create(target.parent_path(), ec);
    if (!out) {
        why = "cannot write: " + ec.message();
        return false;
    }
    if (!out->write(plan.preamble, ec)) {
        why = "cannot write: " + ec.message();
        return false;
    }
    std::string line;
    for (std::uint64_t n = 1; read_line(in, line); ++n) {
        if (n < plan.start_line) continue;
        line += '\n';
        if (!out->write(line, ec)) {
            why = "cannot write: " + ec.message();
            return false;
        }
    }
    if (!out->commit(target, ec)) {
        why = "cannot write: " + ec.message();
        return false;
    }
    return true;
}

}  // namespace printgate::edge
