// What every libFuzzer harness in test/fuzz shares: the input as text, a
// check that aborts (libFuzzer then keeps the input as a crash file) and the
// fixed keys and root the harnesses verify against. Test keys only.
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/proto/keyring.hpp"
#include "lib/proto/root_metadata.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace uun::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

// A property that failed: a parser bug, reported as a crash.
[[noreturn]] inline void broken(const char* what)
{
    std::fprintf(stderr, "fuzz property broken: %s\n", what);
    std::abort();
}

inline void require(bool holds, const char* what)
{
    if (!holds)
        broken(what);
}

// "now" for time checks: the vectors' clock (test/unit/lib/proto/vectors).
inline constexpr std::int64_t fixed_now = 1763900060;
inline constexpr std::int64_t fixed_skew = 300;

// Keys by role: the publisher is the vectors' key (0a6f3902d0ac0d31), so the
// header vectors verify; the others sign the fixed root and timestamps.
enum class fixed_key { publisher, root, timestamp, notify };

const proto::private_key& key(fixed_key which);
const proto::keyring& publisher_ring();
// Version 1, expiring long after fixed_now, one key and threshold 1 per role.
const proto::root_metadata& fixed_root();

}  // namespace uun::fuzz
