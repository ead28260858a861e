// uun-updater's generations and their reload (see header).
#include "milter/updater/updater_reload.hpp"

#include "milter/updater/root_store.hpp"

namespace uun::updater {

result<updater_generation> complete_generation(updater_config config)
{
    // Root mode takes its keys from the root.
    auto keys = config.root_mode() ? result<proto::keyring>(proto::keyring{}) : proto::keyring::load(config.trusted_keys);
    if (!keys)
        return fail(cat("trusted_keys: ", keys.error().message));
    auto identity = load_appliance_identity(config.state_dir, config.enrollment_secret_file, config.certificate_file);
    if (!identity)
        return std::unexpected(identity.error());
    std::optional<proto::root_metadata> root;
    if (config.root_mode()) {
        auto loaded = load_trusted_root(config.state_dir, config.trust_root);
        if (!loaded)
            return std::unexpected(loaded.error());
        root = std::move(*loaded);
    }
    return updater_generation{std::move(config), std::move(*keys), std::move(root), std::move(*identity)};
}

std::vector<std::string> restart_only_changes(const updater_config& running, const updater_config& fresh)
{
    std::vector<std::string> changed;
    if (running.state_dir != fresh.state_dir)
        changed.emplace_back("state_dir");
    if (running.spool_dir != fresh.spool_dir)
        changed.emplace_back("spool_dir");
    return changed;
}

result<reloaded_generation> reload_generation(const std::string& config_path, const updater_config& running)
{
    auto fresh = load_updater_config(config_path, config::host_checks::enforce);
    if (!fresh)
        return std::unexpected(fresh.error());
    auto kept = restart_only_changes(running, *fresh);
    // The lock is on the running state directory, and the watch on the running spool.
    fresh->state_dir = running.state_dir;
    fresh->spool_dir = running.spool_dir;
    auto generation = complete_generation(std::move(*fresh));
    if (!generation)
        return std::unexpected(generation.error());
    return reloaded_generation{std::move(*generation), std::move(kept)};
}

}  // namespace uun::updater
