#pragma once
// Which bucket a client address falls in. One person easily holds a whole IPv6 /64 (that
// is what an ISP hands to one home), so IPv6 is grouped by /64; IPv4, and IPv4 mapped into
// IPv6, by the single address.
#include <string>
#include <string_view>

namespace printgate::auth {

// "203.0.113.7" -> "203.0.113.7"; "2001:db8:1:2:a:b:c:d" -> "2001:db8:1:2::/64";
// "::ffff:203.0.113.7" -> "203.0.113.7". Brackets and a zone ("%eth0") are ignored.
// Something that is not an address is kept as text (at most 64 bytes), prefixed "?".
std::string client_address_key(std::string_view address);

}  // namespace printgate::auth
