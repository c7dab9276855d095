printgate_fuzz_target(edge_multipart ${CMAKE_CURRENT_SOURCE_DIR}/edge_multipart_fuzz.cpp printgate::edge)
printgate_fuzz_target(edge_command ${CMAKE_CURRENT_SOURCE_DIR}/edge_command_fuzz.cpp printgate::edge)
