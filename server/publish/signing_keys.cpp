// Loading and checking the publisher's keys (see header). The root is a file
// on the admin host, so verify_first_root (signed by its own root keys) is
// the check; a root that expired is refused, as appliances would refuse it.
#include "server/publish/signing_keys.hpp"

#include "lib/util/result.hpp"

#include <algorithm>

namespace uun::publish {

namespace {

outcome<proto::private_key> load_key(const std::string& path, const char* what)
{
    if (path.empty())
        return fail_with(exit_code::input, cat(what, ": not set in server.yaml"));
    auto key = proto::private_key::load(path);
    if (!key)
        return fail_with(exit_code::input, cat(what, ": ", key.error().message));
    return std::move(*key);
}

outcome<void> check_role(const proto::root_metadata& root, proto::role_name role, const proto::private_key& key,
                         const char* setting, const std::string& root_path)
{
    const auto& ids = root.role(role).key_ids;
    if (std::find(ids.begin(), ids.end(), key.id()) != ids.end())
        return {};
    return fail_with(exit_code::input, cat(setting, " (key id ", key.id(), ") is not in the ", proto::to_string(role),
                                           " role of root v", root.version, " (publish.root ", root_path,
                                           "); nothing signed"));
}

outcome<proto::root_metadata> load_root(const std::string& path, std::int64_t now)
{
    auto envelope = proto::load_root_envelope(path);
    if (!envelope)
        return fail_with(exit_code::input, cat("publish.root: ", envelope.error().message));
    auto root = proto::verify_first_root(*envelope);
    if (!root)
        return fail_with(exit_code::input, cat("publish.root ", path, ": ", root.error().message));
    if (root->expired(now))
        return fail_with(exit_code::input, cat("publish.root ", path, ": root v", root->version, " expired at unix ",
                                               "time ", root->expires, "; appliances refuse it: sign a new version"));
    return std::move(*root);
}

}  // namespace

outcome<notify_signing> load_notify_key(const settings::publish_config& config, std::int64_t now)
{
    auto key = load_key(config.notify_key, "notify key (publish.notify_key)");
    if (!key)
        return std::unexpected(key.error());
    notify_signing out{std::move(*key)};
    if (config.root.empty())
        return out;
    auto root = load_root(config.root, now);
    if (!root)
        return std::unexpected(root.error());
    if (auto r = check_role(*root, proto::role_name::notify, out.notify_key, "publish.notify_key", config.root); !r)
        return std::unexpected(r.error());
    return out;
}

outcome<signing_keys> load_signing_keys(const settings::publish_config& config, std::int64_t now)
{
    auto entry_key = load_key(config.key, "publisher key (publish.key)");
    if (!entry_key)
        return std::unexpected(entry_key.error());
    // With publish.remote the server host signs the UUNs (--renotify there).
    auto notify = config.remote.empty() ? load_notify_key(config, now) : outcome<notify_signing>(notify_signing{*entry_key});
    if (!notify)
        return std::unexpected(notify.error());
    signing_keys keys{std::move(*entry_key), std::move(notify->notify_key), std::nullopt};
    if (config.root.empty())
        return keys;
    auto root = load_root(config.root, now);
    if (!root)
        return std::unexpected(root.error());
    if (auto r = check_role(*root, proto::role_name::publisher, keys.entry_key, "publish.key", config.root); !r)
        return std::unexpected(r.error());
    keys.root = std::move(*root);
    return keys;
}

}  // namespace uun::publish
