// The single translation unit that compiles Beast (BOOST_BEAST_SEPARATE_COMPILATION is set
// project-wide), like asio_impl.cpp does for Asio.
#include <boost/beast/src.hpp>
