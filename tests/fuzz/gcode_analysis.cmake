printgate_fuzz_target(gcode_analysis ${CMAKE_CURRENT_SOURCE_DIR}/gcode_analysis_fuzz.cpp printgate::printer)
