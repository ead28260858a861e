// Bytes from the OS CSPRNG (getrandom(2) through OpenSSL's seeded DRBG).
// Callers: UUN nonces, appliance tokens, temp names. Failure aborts: a
// machine that cannot produce randomness must not sign anything.
#pragma once

#include <cstddef>
#include <string>

namespace uun {

std::string random_bytes(std::size_t count);

}  // namespace uun
