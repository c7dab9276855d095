printgate_fuzz_target(firmware_reply ${CMAKE_CURRENT_SOURCE_DIR}/firmware_reply_fuzz.cpp printgate::printer)
