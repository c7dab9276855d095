// Asio's TLS implementation, compiled once. Kept apart from asio_impl.cpp so that targets
// that never touch TLS (printgate-sim, the printer library) do not link OpenSSL.
#include <boost/asio/ssl/impl/src.hpp>
