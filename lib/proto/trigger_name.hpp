// The trigger file name (doc/protocol.md "The trigger file"), the contract
// between uun-milter, which writes uun-<seq>-<nonce> into the spool, and
// uun-updater, which reads only names that parse here. Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uun::proto {

inline constexpr std::string_view trigger_prefix = "uun-";
inline constexpr std::size_t trigger_max_seq_digits = 20;
inline constexpr std::size_t trigger_nonce_length = 22;  // 16 bytes, base64url without padding

// uun-<seq>-<nonce>; the caller passes a nonce from a verified header.
std::string trigger_name(std::uint64_t seq, std::string_view nonce);

// The seq of a name matching ^uun-[0-9]{1,20}-[A-Za-z0-9_-]{22}$ whose seq
// fits in 64 bits; nothing for any other name.
std::optional<std::uint64_t> parse_trigger_name(std::string_view name);

}  // namespace uun::proto
