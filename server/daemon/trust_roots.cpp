// Loading the root chain and the timestamp key (see header). The server
// checks the chain as an appliance will, so a vendor who put a root file in
// place that no appliance would accept learns it at start, not from the fleet.
#include "server/daemon/trust_roots.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include <dirent.h>

namespace uun::daemon {

namespace {

struct dir_closer {
    void operator()(DIR* d) const { ::closedir(d); }
};

// "N.root.json" with N = 1, 2, ... written without leading zeros.
std::optional<std::uint64_t> root_file_version(std::string_view name)
{
    constexpr std::string_view suffix = ".root.json";
    if (!name.ends_with(suffix))
        return std::nullopt;
    auto digits = name.substr(0, name.size() - suffix.size());
    if (digits.empty() || digits.size() > 9 || digits.front() == '0' ||
        digits.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    return std::stoull(std::string(digits));
}

result<std::map<std::uint64_t, std::string>> root_files(const std::string& dir)
{
    std::unique_ptr<DIR, dir_closer> d(::opendir(dir.c_str()));
    if (!d)
        return fail(cat("trust.roots_dir ", dir, ": cannot read the directory"));
    std::map<std::uint64_t, std::string> out;
    while (auto* e = ::readdir(d.get())) {
        auto version = root_file_version(e->d_name);
        if (!version)
            continue;
        if (out.size() == max_root_versions)
            return fail(cat("trust.roots_dir ", dir, ": more than ", max_root_versions, " root files"));
        out.emplace(*version, cat(dir, "/", e->d_name));
    }
    return out;
}

}  // namespace

result<root_chain> load_root_chain(const std::string& roots_dir)
{
    auto files = root_files(roots_dir);
    if (!files)
        return std::unexpected(files.error());
    if (files->empty() || files->begin()->first != 1)
        return fail(cat("trust.roots_dir ", roots_dir, ": no 1.root.json (the chain starts there)"));
    root_chain chain;
    std::uint64_t expected = 1;
    for (const auto& [version, path] : *files) {
        if (version != expected)
            return fail(cat("trust.roots_dir ", roots_dir, ": ", expected, ".root.json is missing before ",
                            path, " (the chain has no gaps)"));
        auto envelope = proto::load_root_envelope(path);
        if (!envelope)
            return fail(cat(path, ": ", envelope.error().message));
        auto root = version == 1 ? proto::verify_first_root(*envelope)
                                 : proto::verify_next_root(chain.newest, *envelope);
        if (!root)
            return fail(cat(path, ": ", root.error().message));
        if (root->version != version)
            return fail(cat(path, ": holds root v", root->version, ", not v", version));
        chain.newest = std::move(*root);
        chain.envelopes.push_back(envelope->dump());
        ++expected;
    }
    return chain;
}

result<proto::private_key> load_timestamp_key(const std::string& path, const root_chain& chain,
                                              const std::string& roots_dir)
{
    auto key = proto::private_key::load(path);
    if (!key)
        return fail(cat("trust.timestamp_key: ", key.error().message));
    const auto& role = chain.newest.role(proto::role_name::timestamp);
    auto v = chain.newest.version;
    if (std::ranges::find(role.key_ids, key->id()) == role.key_ids.end())
        return fail(cat("trust.timestamp_key ", path, ": key ", key->id(), " is not in the timestamp role of root v",
                        v, " (", roots_dir, "/", v, ".root.json)"));
    if (role.threshold != 1)
        return fail(cat("the timestamp role of root v", v, " needs ", role.threshold,
                        " signatures; uun-server signs statements with one key"));
    return key;
}

std::vector<const std::string*> trust_service::roots_after(std::uint64_t version) const
{
    std::vector<const std::string*> out;
    for (auto i = version; i < roots.envelopes.size() && out.size() < proto::max_answer_roots; ++i)
        out.push_back(&roots.envelopes[i]);
    return out;
}

result<std::shared_ptr<trust_service>> load_trust(const settings::trust_config& config)
{
    auto chain = load_root_chain(config.roots_dir);
    if (!chain)
        return std::unexpected(chain.error());
    auto key = load_timestamp_key(config.timestamp_key, *chain, config.roots_dir);
    if (!key)
        return std::unexpected(key.error());
    return std::make_shared<trust_service>(std::move(*chain), std::move(*key), config.timestamp_lifetime);
}

}  // namespace uun::daemon
