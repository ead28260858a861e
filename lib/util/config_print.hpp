// `--print-config [KEY]`, the same for every uun program, as postconf(1)
// does it: every setting the program read from its config file, defaults
// included, one "key = value" line each in key order; or KEY's value alone,
// for scripts (the packages' postinsts, the test helpers), which never parse
// YAML themselves. Callers: the mains of uun-milter, uun-updater, uun-server
// and uun-publish, after their config loaded.
#pragma once

#include "lib/util/config.hpp"

#include <ostream>
#include <string>
#include <string_view>

namespace uun::config {

inline constexpr const char* print_config_help =
    "print every setting as read from the config file, defaults included (or only KEY's value), and exit";

// Returns the exit status: 0, or 1 when key names no setting (said on err).
int print_settings(const settings& values, std::string_view key, std::string_view file, std::string_view program,
                   std::ostream& out, std::ostream& err);

}  // namespace uun::config
