#pragma once
// What a new password must be (NIST SP 800-63B, OWASP ASVS V2.1): long enough, never
// truncated, any Unicode allowed, no composition rules, not common, not built from words
// an attacker would try first for this account, and hard to guess by zxcvbn's estimate.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::auth {

struct password_policy_config {
    std::size_t min_code_points = 12;
    std::size_t max_code_points = 128;
    int min_score = 3;  // zxcvbn score 0..4
};

// Words specific to this account and this relay; with the built-in "printgate",
// "octoprint" and "printer" they are fed to zxcvbn and checked directly.
struct password_context {
    std::string_view user_name;
    std::string_view host_name;
};

enum class policy_rejection {
    none,
    invalid_utf8,
    contains_nul,
    too_short,
    too_long,
    common_password,
    context_word,
    too_guessable,
};

struct policy_verdict {
    policy_rejection reason = policy_rejection::none;
    std::string message;  // plain words for the person choosing the password
    int score = 0;        // zxcvbn score, 0..4 (0 when rejected before scoring)
    double entropy_bits = 0;
    bool ok() const { return reason == policy_rejection::none; }
};

class password_policy {
public:
    explicit password_policy(password_policy_config config = {});

    policy_verdict check(std::string_view password, const password_context& context) const;

    // zxcvbn's guesses-to-score rule applied to libzxcvbn's entropy in bits (guesses =
    // 2^bits): below 10^3 guesses 0, 10^6 -> 1, 10^8 -> 2, 10^10 -> 3, else 4.
    static int score_from_entropy(double bits);

    // The words checked for this context: lower case, the whole names and their parts.
    static std::vector<std::string> context_words(const password_context& context);

    const password_policy_config& config() const { return config_; }

private:
    password_policy_config config_;
};

}  // namespace printgate::auth
