// uun-publish on an admin host (publish.remote set): a publish is signed
// here with this host's counters and keys, and its payload and envelope go
// to the server host, which checks and stores them; an urgent entry's UUNs
// are then sent there (`run --renotify`), since the notify key and the MTA
// live on that side. The other commands are forwarded whole. Callers:
// run_publish and run_publish_cli; failures keep uun-publish's exit codes.
#pragma once

#include "lib/proto/update_entry.hpp"
#include "server/publish/commands.hpp"
#include "server/publish/signing_keys.hpp"

#include <string>
#include <vector>

namespace uun::publish {

outcome<void> publish_through_remote(const cli_options& options, const std::string& name,
                                     std::vector<proto::target_selector> target, const signing_keys& keys,
                                     const command_env& env);

// --renotify, --status, --list and --appliances, run on the server host.
outcome<void> run_forwarded(const cli_options& options, const command_env& env);

// The words that carry a command to the server host (`run ...`).
std::vector<std::string> forwarded_words(const cli_options& options);

}  // namespace uun::publish
