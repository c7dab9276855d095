#pragma once
// libsodium must be initialised once before use; every entry point that touches it calls
// this (sodium_init is idempotent and thread-safe).
namespace printgate::auth::detail {
void ensure_sodium();
}
