// The uun-publish commands: publish (and notify), --renotify, --status,
// --list, --appliances. Each checks what it needs in the order that keeps a
// failed run from changing anything, prints what an operator needs, and
// returns the exit code's failure. Callers: run_publish_cli, tests.
#pragma once

#include "lib/util/clock.hpp"
#include "server/publish/cli_options.hpp"
#include "server/publish/exit_code.hpp"
#include "server/publish/mail_transport.hpp"
#include "server/settings/server_config.hpp"

#include <functional>
#include <memory>
#include <ostream>

namespace uun::publish {

struct command_env {
    const settings::server_config& config;
    const uun::clock& clock;
    std::ostream& out;
    std::ostream& err;
    bool tty = false;    // out is a terminal (--wait rewrites one line)
    bool audit = false;  // also log what was published and notified (syslog)
    std::function<std::unique_ptr<mail_transport>(const settings::mta_config&)> make_transport;
    std::function<void()> pause;  // one second between --wait polls
};

outcome<void> run_publish(const cli_options& options, const command_env& env);
outcome<void> run_renotify(const cli_options& options, const command_env& env);
outcome<void> run_status(const cli_options& options, const command_env& env);
outcome<void> run_list(const cli_options& options, const command_env& env);
outcome<void> run_appliances(const cli_options& options, const command_env& env);

}  // namespace uun::publish
