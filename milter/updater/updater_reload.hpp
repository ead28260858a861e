// What uun-updater runs with, as one unit a reload (SIGHUP, `systemctl
// reload`) replaces: updater.yaml as read, the keys it names, the
// appliance's identity and, in root mode, the trusted root. A reload happens
// between polls, never during one; the trigger spool and the state
// directory are the running ones (a trigger waits on disk until its poll
// is done). A new config, keys or identity that do not load are logged
// and the running generation stays; state_dir and spool_dir changes are
// kept at their running values, with a warning, until the next restart.
// Callers: uun-updater's main.
#pragma once

#include "lib/proto/keyring.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/util/result.hpp"
#include "milter/updater/appliance_identity.hpp"
#include "milter/updater/updater_config.hpp"

#include <optional>
#include <string>
#include <vector>

namespace uun::updater {

struct updater_generation {
    updater_config config;
    proto::keyring keys;  // v1; empty in root mode, whose keys come from the root
    std::optional<proto::root_metadata> root;
    appliance_identity identity;
};

// The keys, identity and root of a loaded config (its state_dir prepared).
result<updater_generation> complete_generation(updater_config config);

// The keys of `fresh` that only a restart applies and that differ from `running`.
std::vector<std::string> restart_only_changes(const updater_config& running, const updater_config& fresh);

struct reloaded_generation {
    updater_generation generation;
    std::vector<std::string> kept;  // restart_only_changes, kept at their running values
};

// Reads config_path again into a complete generation; errors change nothing.
result<reloaded_generation> reload_generation(const std::string& config_path, const updater_config& running);

}  // namespace uun::updater
