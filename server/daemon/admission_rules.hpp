// Which appliances may add a registry row (registry.admission, doc/protocol.md
// "Admission"): everyone (open), a signed poll carrying its product line's
// enrollment secret (secret), or none until an admin accepts its key
// (accept). Loaded once at start; the secrets never leave this object.
#pragma once

#include "lib/util/result.hpp"
#include "server/settings/server_config.hpp"

#include <map>
#include <string>
#include <string_view>

namespace uun::daemon {

enum class admission_policy { open, secret, accept };

class admission_rules {
public:
    admission_rules() = default;  // open
    // Reads registry.enrollment_dir's <product>.secret files (mode 0600 or
    // 0640, one secret each) for policy secret.
    static result<admission_rules> load(const settings::registry_config& registry);

    admission_policy policy() const { return policy_; }
    std::string_view policy_name() const;
    // Whether a new appliance of `product` that presented `secret` (empty:
    // none) is admitted without an admin. Constant time in the secret.
    bool admits_new(std::string_view product, std::string_view secret) const;
    std::size_t product_lines() const { return secrets_.size(); }

private:
    admission_policy policy_ = admission_policy::open;
    std::map<std::string, std::string, std::less<>> secrets_;
};

}  // namespace uun::daemon
