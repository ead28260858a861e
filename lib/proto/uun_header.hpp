// The X-UUN header, v1 (doc/protocol.md "The X-UUN header"): build, sign,
// format, parse and check. Parsing treats every byte as hostile and has a
// size limit; a bad header is a verdict, never an exception or a crash.
// Callers: uun-publish (sign, format), uun-milter (check), tests.
#pragma once

#include "lib/proto/channel_heads.hpp"
#include "lib/proto/ed25519.hpp"
#include "lib/proto/keyring.hpp"
#include "lib/util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uun::proto {

inline constexpr std::size_t max_uun_header_bytes = 1024;  // a real one is ~230
inline constexpr std::size_t max_uun_tags = 16;
inline constexpr std::size_t uun_nonce_bytes = 16;
// x - t at most one day (doc/protocol.md): a UUN only makes an appliance poll
// at once, so a longer one buys nothing, while its nonce would have to be
// kept as long and a captured one could be replayed to a fresh cache.
inline constexpr std::int64_t max_uun_lifetime_seconds = 24 * 3600;
inline constexpr std::string_view uun_header_name = "X-UUN";

// What a UUN asserts; the signature covers exactly these fields.
struct uun_claim {
    std::string key_id;  // 16 lowercase hex digits
    std::uint64_t seq = 0;
    std::string channel;
    std::int64_t issued = 0;   // unix seconds
    std::int64_t expires = 0;  // unix seconds
    std::string nonce;         // base64url text of 16 random bytes
    // h=: how far the appliance's channels have gone when the UUN was signed
    // (v2; doc/trust.md). Empty: no h= tag, and the canonical form is v1's.
    channel_heads heads = {};
};

struct uun_header {
    uun_claim claim;
    std::string signature;  // raw 64-byte Ed25519 signature
};

enum class uun_verdict { valid, malformed, unknown_key, bad_signature, expired, not_yet_valid };

std::string_view to_string(uun_verdict verdict);

struct uun_check {
    uun_verdict verdict = uun_verdict::malformed;
    std::string reason;                // short, for logs and SMTP replies
    std::optional<uun_header> header;  // set once the header parsed
};

std::string new_uun_nonce();
std::string uun_canonical_form(const uun_claim& claim);

// Signs claim with key; claim.key_id is set from the key.
uun_header sign_uun(uun_claim claim, const private_key& key);

// One line, tags in canonical order: "v=1; k=...; ...; b=...".
std::string format_uun_header(const uun_header& header);

// Syntax only: unfolds, splits the tag list, validates every known tag.
result<uun_header> parse_uun_header(std::string_view value);

// Syntax, version, key, signature and time window; replay is the caller's.
uun_check check_uun_header(std::string_view value, const keyring& trusted, std::int64_t now,
                           std::int64_t skew_seconds);

bool is_valid_channel_name(std::string_view name);

}  // namespace uun::proto
