// The set of publisher public keys a side trusts, by key id. Several keys may
// be trusted at once so a publisher key can be rotated without a flag day.
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/util/result.hpp"

#include <map>
#include <string>
#include <vector>

namespace uun::proto {

class keyring {
public:
    static result<keyring> load(const std::vector<std::string>& pem_paths);

    void add(public_key key);
    const public_key* find(const std::string& key_id) const;
    std::size_t size() const { return keys_.size(); }
    std::vector<std::string> ids() const;

private:
    std::map<std::string, public_key> keys_;
};

}  // namespace uun::proto
