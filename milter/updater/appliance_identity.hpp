// What the updater proves itself with (doc/protocol.md, "Identity" and
// "Admission"): its own Ed25519 key in state_dir/identity.key, made once on
// the first start and never replaced by the updater, the product line's
// enrollment secret (registry.admission: secret) and a device certificate
// for that key (registry.admission: certificate). Loaded by main.cpp before
// the first poll; every poll and report is signed with the key.
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/util/result.hpp"

#include <string>

namespace uun::updater {

struct appliance_identity {
    proto::private_key key;
    std::string enrollment_secret;  // empty: none configured
    std::string certificate;        // X-UUN-Certificate: base64 of the DER; empty: none configured
    std::string fingerprint;  // SHA256:..., as the vendor's uun-publish --pending shows it
};

// state_dir exists (state_store::prepare). Makes identity.key (0600) when
// there is none; refuses one that others may read or that is not an Ed25519
// key, because replacing it would cut the appliance off from its registry row.
result<proto::private_key> load_or_make_identity_key(const std::string& state_dir);

// secret_file, certificate_file empty: none. A certificate for another key is refused.
result<appliance_identity> load_appliance_identity(const std::string& state_dir, const std::string& secret_file,
                                                   const std::string& certificate_file = "");

// The device certificate (PEM) as X-UUN-Certificate carries it, checked to be for raw_public_key.
result<std::string> load_device_certificate(const std::string& path, std::string_view raw_public_key);

}  // namespace uun::updater
