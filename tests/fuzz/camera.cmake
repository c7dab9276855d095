# edge/camera/: the multipart MJPEG parser (bytes from any IP camera on the LAN) and the
# JPEG marker walk that inserts Huffman tables (bytes from a camera or that parser).
if(TARGET printgate::camera)
  printgate_fuzz_target(camera_multipart ${CMAKE_CURRENT_SOURCE_DIR}/camera_multipart_fuzz.cpp printgate::camera)
endif()
