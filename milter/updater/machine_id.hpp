// The appliance id uun-updater uses when updater.yaml names none: derived from
// /etc/machine-id for uun alone (sd_id128_get_machine_app_specific), so it is
// stable across reboots and upgrades, differs per machine, and does not give
// the machine id away. Called by the config loader; a missing or unreadable
// machine id is an error naming the file.
#pragma once

#include "lib/util/result.hpp"

#include <string>

namespace uun::updater {

// 32 lower-case hex digits, a valid appliance id (lib/proto/identity).
result<std::string> machine_appliance_id();

}  // namespace uun::updater
