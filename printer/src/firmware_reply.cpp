#include "printgate/printer/firmware_reply.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace printgate::printer {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Parses a number at the start of `s`; advances `s` past it.
template <typename T>
bool take_number(std::string_view& s, T& out) {
    const char* first = s.data();
    const char* last = s.data() + s.size();
    if (first < last && *first == '+') ++first;
    auto [ptr, ec] = std::from_chars(first, last, out);
    if (ec != std::errc{} || ptr == first) return false;
    s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
    return true;
}

// ADVANCED_OK: "ok N12 P15 B3"; anything after "ok" that is not one of those is left alone.
void parse_ok_fields(std::string_view rest, firmware_reply& r) {
    while (!rest.empty()) {
        rest = trim(rest);
        if (rest.size() < 2) return;
        char key = rest[0];
        std::string_view value = rest.substr(1);
        if (key == 'N' && take_number(value, r.line_number)) {
            r.has_line_number = true;
        } else if (key == 'P' && take_number(value, r.planner_free)) {
        } else if (key == 'B' && std::isdigit(static_cast<unsigned char>(value[0])) &&
                   take_number(value, r.buffer_free)) {
        } else {
            return;  // temperatures or other payload
        }
        rest = value;
    }
}

bool is_fatal(std::string_view line) {
    static constexpr std::string_view markers[] = {
        "kill() called", "Printer halted", "Thermal Runaway", "MINTEMP", "MAXTEMP",
        "Heating failed", "Printer stopped due to errors", "Emergency Stop"};
    return std::any_of(std::begin(markers), std::end(markers),
                       [&](std::string_view m) { return contains(line, m); });
}

}  // namespace

std::optional<std::vector<heater_reading>> parse_temperatures(std::string_view line) {
    std::vector<heater_reading> readings;
    std::optional<heater_reading> bare_t;  // "T:" is the active tool; prefer T0..Tn when present
    std::size_t i = 0;
    while (i < line.size() && readings.size() < 32) {
        // A key is a word start: T, T<digits>, B, C, followed by ':'.
        if ((i == 0 || line[i - 1] == ' ') && (line[i] == 'T' || line[i] == 'B' || line[i] == 'C')) {
            std::size_t j = i + 1;
            while (j < line.size() && std::isdigit(static_cast<unsigned char>(line[j])) && j - i < 4) ++j;
            if (j < line.size() && line[j] == ':' && !(line[i] != 'T' && j != i + 1)) {
                std::string_view rest = line.substr(j + 1);
                heater_reading h;
                h.name = std::string(line.substr(i, j - i));
                if (take_number(rest, h.actual) && std::isfinite(h.actual)) {
                    std::string_view after = trim(rest);
                    if (!after.empty() && after[0] == '/') {
                        after.remove_prefix(1);
                        double target = 0;
                        if (take_number(after, target) && std::isfinite(target)) h.target = target;
                    }
                    if (h.name == "T")
                        bare_t = h;
                    else
                        readings.push_back(std::move(h));
                }
                i = j + 1;
                continue;
            }
        }
        ++i;
    }
    bool has_numbered_tool = std::any_of(readings.begin(), readings.end(),
                                         [](const heater_reading& h) { return h.name.size() > 1 && h.name[0] == 'T'; });
    if (bare_t && !has_numbered_tool) {
        bare_t->name = "T0";
        readings.insert(readings.begin(), *bare_t);
    }
    if (readings.empty()) return std::nullopt;
    return readings;
}

std::optional<axis_position> parse_position(std::string_view line) {
    if (auto count = line.find("Count"); count != std::string_view::npos) line = line.substr(0, count);
    axis_position p;
    int found = 0;
    for (auto [key, out] : {std::pair{'X', &p.x}, std::pair{'Y', &p.y}, std::pair{'Z', &p.z}, std::pair{'E', &p.e}}) {
        for (std::size_t at = line.find(key); at != std::string_view::npos; at = line.find(key, at + 1)) {
            if (at + 1 < line.size() && line[at + 1] == ':' && (at == 0 || line[at - 1] == ' ')) {
                std::string_view rest = line.substr(at + 2);
                if (take_number(rest, *out)) ++found;
                break;
            }
        }
    }
    if (found < 3) return std::nullopt;
    return p;
}

firmware_reply parse_reply(std::string_view raw) {
    std::string_view line = trim(raw);
    firmware_reply r;
    if (line == "ok" || starts_with_nocase(line, "ok ")) {
        r.what = firmware_reply::kind::ok;
        parse_ok_fields(line.substr(2), r);
        return r;
    }
    if (starts_with_nocase(line, "resend:") || starts_with_nocase(line, "rs ")) {
        std::string_view rest = trim(line.substr(line[1] == 's' || line[1] == 'S' ? 2 : 7));
        if (rest.size() > 0 && (rest[0] == 'N' || rest[0] == 'n')) rest.remove_prefix(1);
        if (take_number(rest, r.line_number)) {
            r.what = firmware_reply::kind::resend;
            r.has_line_number = true;
        } else {
            r.what = firmware_reply::kind::error;
            r.text = "unparseable resend request: " + std::string(line.substr(0, 80));
        }
        return r;
    }
    if (line == "start") {
        r.what = firmware_reply::kind::start;
        return r;
    }
    if (line == "wait") {
        r.what = firmware_reply::kind::wait;
        return r;
    }
    if (line.starts_with("echo:busy:") || line.starts_with("busy:")) {
        r.what = firmware_reply::kind::busy;
        r.text = std::string(trim(line.substr(line.find("busy:") + 5)));
        return r;
    }
    if (line.starts_with("!!")) {
        r.what = firmware_reply::kind::fatal;
        r.text = std::string(trim(line.substr(2)));
        return r;
    }
    if (starts_with_nocase(line, "error:")) {
        r.text = std::string(trim(line.substr(6)));
        r.what = is_fatal(line) ? firmware_reply::kind::fatal : firmware_reply::kind::error;
        return r;
    }
    if (line.starts_with("//")) {
        std::string_view rest = trim(line.substr(2));
        if (rest.starts_with("action:")) {
            rest = trim(rest.substr(7));
            auto space = rest.find(' ');
            r.what = firmware_reply::kind::action;
            r.text = std::string(rest.substr(0, space));
            if (space != std::string_view::npos) r.argument = std::string(trim(rest.substr(space + 1)));
            return r;
        }
    }
    if (line.starts_with("Cap:")) {
        std::string_view rest = line.substr(4);
        auto colon = rest.rfind(':');
        if (colon != std::string_view::npos && colon > 0) {
            r.what = firmware_reply::kind::capability;
            r.text = std::string(rest.substr(0, colon));
            r.flag = trim(rest.substr(colon + 1)) == "1";
            return r;
        }
    }
    if (line.starts_with("FIRMWARE_NAME:")) {
        r.what = firmware_reply::kind::firmware_info;
        return r;
    }
    if (line.starts_with("T:") || line.starts_with("T0:") || line.starts_with("B:") ||
        (line.find(" T:") != std::string_view::npos && line.find(" B:") != std::string_view::npos)) {
        if (parse_temperatures(line)) {
            r.what = firmware_reply::kind::temperature;
            return r;
        }
    }
    return r;
}

std::vector<std::pair<std::string, std::string>> parse_firmware_info(std::string_view line) {
    // Keys are upper-case words immediately followed by ':'; values run to the next key.
    std::vector<std::pair<std::size_t, std::size_t>> keys;  // (start, colon)
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (i != 0 && line[i - 1] != ' ') continue;
        std::size_t j = i;
        while (j < line.size() && (std::isupper(static_cast<unsigned char>(line[j])) || line[j] == '_' ||
                                   (j > i && std::isdigit(static_cast<unsigned char>(line[j])))))
            ++j;
        if (j > i + 1 && j < line.size() && line[j] == ':') keys.emplace_back(i, j);
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t k = 0; k < keys.size() && k < 64; ++k) {
        auto [start, colon] = keys[k];
        std::size_t end = k + 1 < keys.size() ? keys[k + 1].first : line.size();
        out.emplace_back(std::string(line.substr(start, colon - start)),
                         std::string(trim(line.substr(colon + 1, end - colon - 1))));
    }
    return out;
}

}  // namespace printgate::printer
