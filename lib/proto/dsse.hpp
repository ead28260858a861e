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
#include <vector>

namespace uun::proto {

inline constexpr std::string_view update_payload_type = "application/vnd.uun.update+json";
inline constexpr std::size_t max_envelope_payload_bytes = 64 * 1024;

// Pre-authentication encoding: what the signature covers.
std::string dsse_pae(std::string_view payload_type, std::string_view payload);

nlohmann::json dsse_sign(std::string_view payload_type, std::string_view payload, const private_key& key);

struct dsse_verified {
    std::string payload;
    std::string key_id;  // the first key that verified
    std::vector<std::string> key_ids;  // every distinct trusted key that verified
};

// Accepts the envelope when one signature by a trusted key verifies over the
// expected payload type; everything else about the envelope must be sane too.
result<dsse_verified> dsse_verify(const nlohmann::json& envelope, std::string_view expected_type,
                                  const keyring& trusted);

// The same with a role's threshold: at least `threshold` distinct keys of
// `trusted` must verify. Signatures by other keys are ignored (a root that
// rotates carries the old root's signatures and the new one's).
result<dsse_verified> dsse_verify_threshold(const nlohmann::json& envelope, std::string_view expected_type,
                                            const keyring& trusted, std::size_t threshold);

// Adds (or replaces) `key`'s signature on an envelope whose payload type is
// `expected_type`: how each root key holder signs a root on their own host.
result<void> dsse_add_signature(nlohmann::json& envelope, std::string_view expected_type, const private_key& key);

// The payload of an envelope, unverified: for showing what one is asked to sign.
result<std::string> dsse_unverified_payload(const nlohmann::json& envelope, std::string_view expected_type);

}  // namespace uun::proto
