// DSSE envelopes (github.com/secure-systems-lab/dsse, protocol v1) signed with
// Ed25519: the form every update entry is stored, served and checked in.
// The server only stores these; only a trusted publisher key makes one valid.
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/proto/keyring.hpp"
#include "lib/util/result.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace uun::proto {

inline constexpr std::string_view update_payload_type = "application/vnd.uun.update+json";
inline constexpr std::size_t max_envelope_payload_bytes = 64 * 1024;

// Pre-authentication encoding: what the signature covers.
std::string dsse_pae(std::string_view payload_type, std::string_view payload);

nlohmann::json dsse_sign(std::string_view payload_type, std::string_view payload, const private_key& key);

struct dsse_verified {
    std::string payload;
    std::string key_id;
};

// Accepts the envelope when one signature by a trusted key verifies over the
// expected payload type; everything else about the envelope must be sane too.
result<dsse_verified> dsse_verify(const nlohmann::json& envelope, std::string_view expected_type,
                                  const keyring& trusted);

}  // namespace uun::proto
