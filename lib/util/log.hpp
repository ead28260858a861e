// Logging for every uun program: syslog with facility mail (where mail
// operators look), or stderr when run in the foreground or from a terminal.
// Thread-safe; never throws.
#pragma once

#include <string>
#include <string_view>

namespace uun::log {

enum class level { debug, info, warning, error };

enum class sink { syslog, stderr_stream };

void open(std::string_view ident, sink where, bool debug = false);
// Debug messages on or off from now on (a reloaded config), any thread.
void set_debug(bool debug);
void write(level lvl, std::string_view message);

inline void debug(std::string_view m) { write(level::debug, m); }
inline void info(std::string_view m) { write(level::info, m); }
inline void warning(std::string_view m) { write(level::warning, m); }
inline void error(std::string_view m) { write(level::error, m); }

}  // namespace uun::log
