#pragma once
// The TLS context of the browser listener: TLS 1.2 and 1.3 with the Mozilla "intermediate"
// cipher list, ALPN http/1.1 only (the relay speaks HTTP/1.1), certificate chain and key
// from PEM files.
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

namespace printgate::relay {

struct browser_tls_result {
    std::shared_ptr<boost::asio::ssl::context> context;  // null on failure
    boost::system::error_code error;
    std::string what;  // which file or step failed, for the log
};

browser_tls_result make_browser_tls_context(const std::filesystem::path& certificate_chain,
                                            const std::filesystem::path& private_key);

}  // namespace printgate::relay
