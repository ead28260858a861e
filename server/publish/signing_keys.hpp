// uun-publish's two keys and the root they must belong to (doc/trust.md):
// publish.key signs entries, publish.notify_key signs UUN headers, and with
// publish.root set each must be in its role of that root, or nothing is
// signed. Callers: run_publish, run_renotify; failures are exit 3 (input).
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/proto/root_metadata.hpp"
#include "server/publish/exit_code.hpp"
#include "server/settings/server_config.hpp"

#include <cstdint>
#include <optional>

namespace uun::publish {

struct signing_keys {
    proto::private_key entry_key;
    proto::private_key notify_key;  // the same key as entry_key unless publish.notify_key is set
    std::optional<proto::root_metadata> root;  // publish.root, verified; entries then carry channel_seq
};

outcome<signing_keys> load_signing_keys(const settings::publish_config& config, std::int64_t now);

}  // namespace uun::publish
