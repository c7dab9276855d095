# auth/: parsers of untrusted input. Stored PHC strings (a damaged or tampered row),
# codes typed into the second-factor form, Cookie / X-Api-Key header values, and new
# passwords going through the policy (UTF-8 validation and libzxcvbn).
if(TARGET printgate::auth)
  printgate_fuzz_target(auth_phc ${CMAKE_CURRENT_SOURCE_DIR}/auth_phc_fuzz.cpp printgate::auth)
  printgate_fuzz_target(auth_code_input ${CMAKE_CURRENT_SOURCE_DIR}/auth_code_input_fuzz.cpp printgate::auth)
  printgate_fuzz_target(auth_cookie ${CMAKE_CURRENT_SOURCE_DIR}/auth_cookie_fuzz.cpp printgate::auth)
  printgate_fuzz_target(auth_password_policy ${CMAKE_CURRENT_SOURCE_DIR}/auth_password_policy_fuzz.cpp printgate::auth)
endif()
