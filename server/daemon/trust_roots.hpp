// The v2 trust model on uun-server (doc/trust.md): the root chain it serves
// from trust.roots_dir and the timestamp key it signs statements with.
// Caller: server_main at start, before it forks; every problem is a fatal
// start error naming the file and the reason.
#pragma once

#include "lib/proto/poll_messages.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/util/result.hpp"
#include "server/daemon/timestamp_signer.hpp"
#include "server/settings/server_config.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace uun::daemon {

// More versions than a vendor rotates in a lifetime; a bound on start-up work.
inline constexpr std::size_t max_root_versions = 1000;

struct root_chain {
    std::vector<std::string> envelopes;  // JSON text; index i holds version i + 1
    proto::root_metadata newest;
};

// 1.root.json checked against itself, then 2, 3, ... each against the one
// before, without gaps. Other file names in the directory are ignored.
result<root_chain> load_root_chain(const std::string& roots_dir);

// The key must be the newest root's timestamp role (threshold 1: the server
// signs alone).
result<proto::private_key> load_timestamp_key(const std::string& path, const root_chain& chain,
                                              const std::string& roots_dir);

// What a v2 poll answer needs; shared by the API's workers.
struct trust_service {
    trust_service(root_chain chain, proto::private_key key, std::chrono::seconds lifetime)
        : roots(std::move(chain)), signer(std::move(key), lifetime)
    {
    }

    root_chain roots;
    timestamp_signer signer;

    // The envelopes after `version`, ascending, at most proto::max_answer_roots.
    std::vector<const std::string*> roots_after(std::uint64_t version) const;
};

result<std::shared_ptr<trust_service>> load_trust(const settings::trust_config& config);

}  // namespace uun::daemon
