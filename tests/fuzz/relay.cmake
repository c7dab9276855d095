# relay/: the browser-facing request-head path (Host validation and routing, identity and
# hop-by-hop header rules) and the WebSocket frame tracker of the proxy.
if(TARGET printgate::relay)
  printgate_fuzz_target(relay_http ${CMAKE_CURRENT_SOURCE_DIR}/relay_http_fuzz.cpp printgate::relay)
endif()
# The login gate's parsers: forms and queries, return targets, the Cookie filter, the
# same-origin check.
if(TARGET printgate::relay)
  printgate_fuzz_target(relay_gate ${CMAKE_CURRENT_SOURCE_DIR}/relay_gate_fuzz.cpp printgate::relay)
endif()
