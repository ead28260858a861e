// Trusted publisher keys (see header). Loading fails whole on any bad file:
// half a keyring would silently refuse valid updates.
#include "lib/proto/keyring.hpp"

namespace uun::proto {

result<keyring> keyring::load(const std::vector<std::string>& pem_paths)
{
    keyring ring;
    for (const auto& path : pem_paths) {
        auto key = public_key::load(path);
        if (!key)
            return std::unexpected(key.error());
        ring.add(*key);
    }
    return ring;
}

void keyring::add(public_key key)
{
    std::string id = key.id();
    keys_.insert_or_assign(id, std::move(key));
}

const public_key* keyring::find(const std::string& key_id) const
{
    auto it = keys_.find(key_id);
    return it == keys_.end() ? nullptr : &it->second;
}

std::vector<std::string> keyring::ids() const
{
    std::vector<std::string> out;
    for (const auto& [id, key] : keys_)
        out.push_back(id);
    return out;
}

}  // namespace uun::proto
