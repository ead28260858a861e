// Root metadata (doc/protocol.md "Root metadata", doc/trust.md): which keys
// may sign for each role and how many of them must. A root is a DSSE envelope
// signed by a threshold of its own root keys; version N+1 is trusted only when
// a threshold of version N's root keys signed it too, so an appliance that
// ships with version 1 follows the chain to the newest without a manual edit.
// Callers: uun-keygen (make, sign), uun-server (serve the chain, its
// timestamp key), uun-publish (its keys must be in the roles), uun-updater
// (follow the chain, verify entries and timestamps), uun-milter (notify keys).
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/proto/keyring.hpp"
#include "lib/util/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uun::proto {

inline constexpr std::string_view root_payload_type = "application/vnd.uun.root+json";
// Root envelopes carry the old root's signatures and the new one's, and a
// DSSE envelope holds at most 8: so 8 keys per role at most.
inline constexpr std::size_t max_role_keys = 8;
inline constexpr std::size_t max_root_keys = 32;
inline constexpr std::size_t max_root_bytes = 32 * 1024;

enum class role_name { root, publisher, timestamp, notify };
inline constexpr role_name all_roles[] = {role_name::root, role_name::publisher, role_name::timestamp,
                                          role_name::notify};

std::string_view to_string(role_name role);

struct trust_role {
    std::vector<std::string> key_ids;  // sorted, distinct
    std::size_t threshold = 1;

    friend bool operator==(const trust_role&, const trust_role&) = default;
};

struct root_metadata {
    std::uint64_t version = 0;
    std::int64_t expires = 0;  // unix seconds
    std::map<std::string, std::string> keys;  // key id -> raw 32-byte Ed25519 public key
    std::map<role_name, trust_role> roles;     // all four, always

    const trust_role& role(role_name name) const { return roles.at(name); }
    // The role's keys, for dsse_verify_threshold or the UUN header check.
    keyring keys_of(role_name name) const;
    bool expired(std::int64_t now) const { return now >= expires; }

    friend bool operator==(const root_metadata&, const root_metadata&) = default;
};

// A root as uun-keygen makes it: the role keys given as public keys.
struct root_plan {
    std::uint64_t version = 1;
    std::int64_t expires = 0;
    std::map<role_name, std::vector<public_key>> keys;
    std::map<role_name, std::size_t> thresholds;
};
result<root_metadata> make_root(const root_plan& plan);

// Strict: a key listed in two roles, a threshold above the role's key count,
// a key id that is not its key's, an unknown role, a missing one: refused.
result<root_metadata> parse_root_payload(std::string_view text);
std::string root_payload(const root_metadata& root);  // the bytes that get signed

// An unsigned envelope, to which the root key holders add signatures.
nlohmann::json root_envelope(const root_metadata& root);

// The root an appliance ships with: signed by a threshold of its own root keys.
result<root_metadata> verify_first_root(const nlohmann::json& envelope);
// The next root: version + 1, signed by a threshold of `trusted`'s root keys
// and a threshold of its own. Expiry is not checked here (a chain may pass
// through expired versions); the caller checks the newest.
result<root_metadata> verify_next_root(const root_metadata& trusted, const nlohmann::json& envelope);

// Follows `newer` (ascending versions; older or equal ones are skipped) from
// `trusted`; stops at the first that does not verify and says why.
struct root_chain_result {
    root_metadata newest;
    std::optional<error> stopped;  // why a newer root was refused, if one was
};
root_chain_result follow_root_chain(const root_metadata& trusted, const std::vector<nlohmann::json>& newer);

// An envelope of `payload_type` signed by a threshold of `role`'s keys.
result<std::string> verify_by_role(const root_metadata& root, role_name role, const nlohmann::json& envelope,
                                   std::string_view payload_type);

// Reading a root file (the shipped one or the state directory's copy).
result<nlohmann::json> load_root_envelope(const std::string& path);

}  // namespace uun::proto
