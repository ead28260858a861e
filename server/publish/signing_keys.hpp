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
    // The same key as entry_key unless publish.notify_key is set; unused
    // (entry_key) with publish.remote, where the server host notifies.
    proto::private_key notify_key;
    std::optional<proto::root_metadata> root;  // publish.root, verified; entries then carry channel_seq
};

// What --renotify needs: the notify key alone (a server host that notifies
// for --serve holds no publisher key), in the notify role of publish.root.
struct notify_signing {
    proto::private_key notify_key;
};
outcome<notify_signing> load_notify_key(const settings::publish_config& config, std::int64_t now);

outcome<signing_keys> load_signing_keys(const settings::publish_config& config, std::int64_t now);

}  // namespace uun::publish
