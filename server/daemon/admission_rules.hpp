// Which appliances may add a registry row (registry.admission, doc/protocol.md
// "Admission"): everyone (open), a signed poll carrying its product line's
// enrollment secret (secret), a signed poll with a certificate from the
// vendor's device CA for its key and id (certificate, device_certificate.hpp),
// or none until an admin accepts its key (accept). Loaded once at start;
// the secrets never leave this object.
#pragma once

#include "lib/util/result.hpp"
#include "server/daemon/device_certificate.hpp"
#include "server/settings/server_config.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace uun::daemon {

enum class admission_policy { open, secret, certificate, accept };

// What a new appliance's poll brings to its admission.
struct admission_evidence {
    std::string_view id;
    std::string_view product;
    std::string_view secret;       // X-UUN-Enrollment; empty: none
    std::string_view certificate;  // X-UUN-Certificate; empty: none
    std::string_view raw_key;      // the key that signed the poll; empty: unsigned
    std::int64_t now = 0;
};

struct admission_decision {
    bool admitted = false;
    std::string why_not;  // for the log, when evidence was offered and refused
};

class admission_rules {
public:
    admission_rules() = default;  // open
    // Reads registry.enrollment_dir's <product>.secret files (mode 0600 or
    // 0640, one secret each) for policy secret, and registry.device_ca for
    // policy certificate.
    static result<admission_rules> load(const settings::registry_config& registry);

    admission_policy policy() const { return policy_; }
    std::string_view policy_name() const;
    // Whether a new appliance is admitted without an admin. Constant time in the secret.
    admission_decision admits_new(const admission_evidence& evidence) const;
    std::size_t product_lines() const { return secrets_.size(); }
    std::size_t device_certificates() const { return device_ca_ ? device_ca_->certificates() : 0; }

private:
    admission_policy policy_ = admission_policy::open;
    std::map<std::string, std::string, std::less<>> secrets_;
    std::optional<device_ca> device_ca_;
};

}  // namespace uun::daemon
