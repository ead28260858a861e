// registry.admission (see header).
#include "server/daemon/admission_rules.hpp"

#include "lib/proto/appliance_key.hpp"
#include "lib/util/file_util.hpp"

#include <openssl/crypto.h>

#include <filesystem>

#include <sys/stat.h>

namespace uun::daemon {

namespace {

constexpr std::string_view secret_suffix = ".secret";
constexpr std::uint64_t max_secret_file = 4096;

result<std::string> read_secret(const std::filesystem::path& file)
{
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
        return fail(cat(file.string(), ": cannot stat it"));
    if ((st.st_mode & 0007) != 0)
        return fail(cat(file.string(), ": an enrollment secret must not be readable by others (chmod 640)"));
    auto content = read_file(file.string(), max_secret_file);
    if (!content)
        return std::unexpected(content.error());
    return proto::parse_enrollment_secret(*content, file.string());
}

}  // namespace

result<admission_rules> admission_rules::load(const settings::registry_config& registry)
{
    admission_rules out;
    if (registry.admission == "accept")
        out.policy_ = admission_policy::accept;
    else if (registry.admission == "secret")
        out.policy_ = admission_policy::secret;
    else if (registry.admission == "certificate")
        out.policy_ = admission_policy::certificate;
    if (!registry.device_ca.empty()) {
        auto ca = device_ca::load(registry.device_ca);
        if (!ca)
            return std::unexpected(ca.error());
        out.device_ca_ = std::move(*ca);
    }
    if (registry.enrollment_dir.empty())
        return out;
    std::error_code ec;
    std::filesystem::directory_iterator it(registry.enrollment_dir, ec);
    if (ec)
        return fail(cat("registry.enrollment_dir ", registry.enrollment_dir, ": ", ec.message()));
    for (const auto& file : it) {
        std::string name = file.path().filename().string();
        if (name.size() <= secret_suffix.size() || !name.ends_with(secret_suffix))
            continue;
        auto secret = read_secret(file.path());
        if (!secret)
            return std::unexpected(secret.error());
        out.secrets_.emplace(name.substr(0, name.size() - secret_suffix.size()), std::move(*secret));
    }
    if (out.policy_ == admission_policy::secret && out.secrets_.empty())
        return fail(cat("registry.admission is secret but registry.enrollment_dir ", registry.enrollment_dir,
                        " holds no <product>.secret file"));
    return out;
}

std::string_view admission_rules::policy_name() const
{
    switch (policy_) {
    case admission_policy::open:
        return "open";
    case admission_policy::secret:
        return "secret";
    case admission_policy::certificate:
        return "certificate";
    case admission_policy::accept:
        return "accept";
    }
    return "open";
}

admission_decision admission_rules::admits_new(const admission_evidence& e) const
{
    switch (policy_) {
    case admission_policy::open:
        return {true, ""};
    case admission_policy::accept:
        return {false, ""};
    case admission_policy::certificate: {
        if (e.raw_key.empty() || !device_ca_)
            return {false, ""};
        auto vouched = device_ca_->vouches(e.certificate, e.raw_key, e.id, e.now);
        return {vouched.has_value(), vouched ? "" : vouched.error().message};
    }
    case admission_policy::secret:
        break;
    }
    if (e.secret.empty())
        return {false, ""};
    auto it = secrets_.find(e.product);
    if (it == secrets_.end() || it->second.size() != e.secret.size())
        return {false, cat("the enrollment secret is not product line ", e.product, "'s")};
    bool same = CRYPTO_memcmp(it->second.data(), e.secret.data(), e.secret.size()) == 0;
    return {same, same ? "" : cat("the enrollment secret is not product line ", e.product, "'s")};
}

}  // namespace uun::daemon
