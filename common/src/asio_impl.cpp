// The single translation unit that compiles Asio (BOOST_ASIO_SEPARATE_COMPILATION is
// defined project-wide), so no other file pays for Asio's implementation.
#include <boost/asio/impl/src.hpp>
