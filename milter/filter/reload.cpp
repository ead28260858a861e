// uun-milter's reload (see header).
#include "milter/filter/reload.hpp"

#include "lib/proto/keyring.hpp"

namespace uun::filter {

result<std::unique_ptr<key_source>> load_keys(const milter_config& cfg, const uun::clock& root_clock)
{
    if (!cfg.trusted_root.empty())
        return key_source::from_root(cfg.trusted_root, root_clock);
    auto keys = proto::keyring::load(cfg.trusted_keys);
    if (!keys)
        return fail(cat("trusted_keys: ", keys.error().message));
    return key_source::fixed(std::move(*keys));
}

std::vector<std::string> restart_only_changes(const milter_config& running, const milter_config& fresh)
{
    std::vector<std::string> changed;
    auto note = [&](const char* key, bool differs) {
        if (differs)
            changed.emplace_back(key);
    };
    note("socket", running.socket != fresh.socket);
    note("user", running.user != fresh.user);
    note("group", running.group != fresh.group);
    note("socket_group", running.socket_group != fresh.socket_group);
    note("socket_mode", running.socket_mode != fresh.socket_mode);
    note("pid_file", running.pid_file != fresh.pid_file);
    note("spool_dir", running.spool_dir != fresh.spool_dir);
    note("state_dir", running.state_dir != fresh.state_dir);
    note("replay_cache_entries", running.replay_cache_entries != fresh.replay_cache_entries);
    note("log.to", running.log_to != fresh.log_to);
    return changed;
}

result<reload_result> reload_generation(const std::string& config_path, const filter_generation& running,
                                        const uun::clock& root_clock)
{
    auto fresh = load_milter_config(config_path);
    if (!fresh)
        return std::unexpected(fresh.error());
    reload_result out;
    out.kept = restart_only_changes(running.config, *fresh);
    // The socket, the spool and the cache are the running ones: keep their settings true.
    const auto& was = running.config;
    fresh->socket = was.socket;
    fresh->user = was.user;
    fresh->group = was.group;
    fresh->socket_group = was.socket_group;
    fresh->socket_mode = was.socket_mode;
    fresh->pid_file = was.pid_file;
    fresh->spool_dir = was.spool_dir;
    fresh->state_dir = was.state_dir;
    fresh->replay_cache_entries = was.replay_cache_entries;
    fresh->log_to = was.log_to;
    auto keys = load_keys(*fresh, root_clock);
    if (!keys)
        return std::unexpected(keys.error());
    const auto& ctx = running.context;
    out.generation = std::make_shared<const filter_generation>(std::move(*fresh), std::move(*keys), ctx.cache,
                                                               ctx.spool, ctx.time);
    return out;
}

}  // namespace uun::filter
