# tunnel/: the yamux frame decoder and a whole multiplexing session fed arbitrary bytes.
if(TARGET printgate::tunnel)
  printgate_fuzz_target(tunnel_frame ${CMAKE_CURRENT_SOURCE_DIR}/tunnel_frame_fuzz.cpp printgate::tunnel)
endif()
