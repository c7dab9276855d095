printgate_fuzz_target(pairing ${CMAKE_CURRENT_SOURCE_DIR}/pairing_fuzz.cpp printgate::tunnel)
