#include "printgate/auth/password_policy.hpp"

#include <zxcvbn.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_set>

#include "common_passwords.hpp"
#include "printgate/auth/secret_bytes.hpp"
#include "printgate/auth/utf8.hpp"

namespace printgate::auth {
namespace {

constexpr std::string_view fixed_context_words[] = {"printgate", "octoprint", "printer"};

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_padding(char c) {
    // Digits, ASCII punctuation and spaces: what people pad a weak password with.
    auto u = static_cast<unsigned char>(c);
    return u < 0x80 && !(std::isalpha(u));
}

std::string strip_padding(std::string_view s) {
    while (!s.empty() && is_padding(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_padding(s.back())) s.remove_suffix(1);
    return std::string(s);
}

std::string unleet(std::string s, char one) {
    for (char& c : s) {
        switch (c) {
        case '@': case '4': c = 'a'; break;
        case '0': c = 'o'; break;
        case '3': c = 'e'; break;
        case '$': case '5': c = 's'; break;
        case '7': c = 't'; break;
        case '!': c = 'i'; break;
        case '1': c = one; break;
        default: break;
        }
    }
    return s;
}

const std::unordered_set<std::string_view>& blocklist() {
    static const std::unordered_set<std::string_view> set(detail::common_passwords().begin(),
                                                          detail::common_passwords().end());
    return set;
}

bool is_common(const std::string& lower) {
    const auto& list = blocklist();
    if (list.count(lower)) return true;
    // Leet-speak is undone only on the core, so that the padding ("p@ssw0rd123") is gone
    // first and "1" can stand for either "i" or "l".
    std::string core = strip_padding(lower);
    if (core.empty()) return false;
    return list.count(core) || list.count(unleet(core, 'i')) || list.count(unleet(core, 'l'));
}

// The password with every occurrence of word taken out.
std::string without(std::string s, const std::string& word) {
    for (auto pos = s.find(word); pos != std::string::npos; pos = s.find(word, pos)) s.erase(pos, word.size());
    return s;
}

}  // namespace

password_policy::password_policy(password_policy_config config) : config_(config) {}

int password_policy::score_from_entropy(double bits) {
    double log10_guesses = bits * std::log10(2.0);
    if (log10_guesses < 3) return 0;
    if (log10_guesses < 6) return 1;
    if (log10_guesses < 8) return 2;
    if (log10_guesses < 10) return 3;
    return 4;
}

std::vector<std::string> password_policy::context_words(const password_context& context) {
    std::vector<std::string> words;
    auto add = [&](std::string w) {
        if (w.size() >= 3 && std::find(words.begin(), words.end(), w) == words.end()) words.push_back(std::move(w));
    };
    for (auto fixed : fixed_context_words) add(std::string(fixed));
    for (std::string_view name : {context.user_name, context.host_name}) {
        std::string lower = ascii_lower(name);
        add(lower);
        // "jane.doe@example.com" and "print.example.com" also give their parts.
        std::string part;
        for (char c : lower + ".") {
            if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
                part.push_back(c);
            } else {
                add(part);
                part.clear();
            }
        }
    }
    return words;
}

policy_verdict password_policy::check(std::string_view password, const password_context& context) const {
    policy_verdict v;
    auto reject = [&](policy_rejection why, std::string message) {
        v.reason = why;
        v.message = std::move(message);
        return v;
    };
    auto count = utf8_code_points(password);
    if (!count) return reject(policy_rejection::invalid_utf8, "The password is not valid UTF-8 text.");
    // libzxcvbn and other C interfaces would see a NUL as the end of the password.
    if (password.find('\0') != std::string_view::npos)
        return reject(policy_rejection::contains_nul, "The password cannot contain the NUL character.");
    if (*count < config_.min_code_points)
        return reject(policy_rejection::too_short, "Use at least " + std::to_string(config_.min_code_points) +
                                                       " characters; this password has " + std::to_string(*count) + ".");
    if (*count > config_.max_code_points)
        return reject(policy_rejection::too_long,
                      "Use at most " + std::to_string(config_.max_code_points) + " characters; this password has " +
                          std::to_string(*count) + ". Nothing is ever cut off, so a longer one cannot be used.");

    std::string lower = ascii_lower(password);
    struct wiper {
        std::string& s;
        ~wiper() { wipe(s); }
    } wipe_lower{lower};

    if (is_common(lower))
        return reject(policy_rejection::common_password,
                      "This is one of the most common passwords (or one with a few digits or symbols added). "
                      "Attackers try these first.");

    auto words = context_words(context);
    for (const auto& word : words) {
        if (lower.find(word) == std::string::npos) continue;
        std::string rest = without(lower, word);
        auto rest_count = utf8_code_points(rest).value_or(0);
        wipe(rest);
        if (rest_count < config_.min_code_points)
            return reject(policy_rejection::context_word,
                          "The password is built around \"" + word + "\", which an attacker would try first here. "
                          "Without it, fewer than " + std::to_string(config_.min_code_points) +
                              " characters are left.");
    }

    std::vector<const char*> dict;
    for (const auto& w : words) dict.push_back(w.c_str());
    dict.push_back(nullptr);
    std::string terminated(password);
    v.entropy_bits = ZxcvbnMatch(terminated.c_str(), dict.data(), nullptr);
    wipe(terminated);
    v.score = score_from_entropy(v.entropy_bits);
    if (v.score < config_.min_score)
        return reject(policy_rejection::too_guessable,
                      "This password would be guessed too quickly (strength " + std::to_string(v.score) + " of 4, " +
                          std::to_string(config_.min_score) + " needed). A few unrelated words, or a longer "
                          "password, are both stronger and easier to remember.");
    return v;
}

}  // namespace printgate::auth
