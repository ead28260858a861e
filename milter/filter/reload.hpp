// uun-milter's reload (SIGHUP, `systemctl reload`): milter.yaml and the keys
// it names are read again and become the generation new connections get
// (milter_glue.hpp); mail in flight finishes under the one it started with.
// A new config that does not load, or keys that do not, is logged and the
// running generation stays. What was fixed at start (the socket, the user
// and groups, the pid file, the state and spool directories, the replay
// cache's size, the log sink) keeps its running value, with a warning
// naming each key changed, until the next restart. Callers: milter_main.cpp.
#pragma once

#include "lib/util/clock.hpp"
#include "lib/util/result.hpp"
#include "milter/filter/key_source.hpp"
#include "milter/filter/milter_config.hpp"
#include "milter/filter/milter_glue.hpp"

#include <memory>
#include <string>
#include <vector>

namespace uun::filter {

// v1: the trusted_keys files; v2: the notify role of the trusted_root file.
result<std::unique_ptr<key_source>> load_keys(const milter_config& config, const uun::clock& root_clock);

// The keys of `fresh` that only a restart applies and that differ from `running`.
std::vector<std::string> restart_only_changes(const milter_config& running, const milter_config& fresh);

struct reload_result {
    std::shared_ptr<const filter_generation> generation;
    std::vector<std::string> kept;  // restart_only_changes, kept at their running values
};

// Reads config_path again; errors say what was wrong and change nothing.
result<reload_result> reload_generation(const std::string& config_path, const filter_generation& running,
                                        const uun::clock& root_clock);

}  // namespace uun::filter
