// uun-publish's top level (see header). The real transport, the system clock
// and a one-second sleep are wired in here; tests call the commands with
// their own.
#include "server/publish/publish_app.hpp"

#include "lib/util/clock.hpp"
#include "lib/util/config_print.hpp"
#include "lib/util/log.hpp"
#include "server/publish/cli_options.hpp"
#include "server/publish/commands.hpp"
#include "server/settings/server_config.hpp"
#include "uun_build_config.hpp"

#include <thread>

namespace uun::publish {

int run_publish_cli(int argc, const char* const argv[], std::ostream& out, std::ostream& err, bool tty)
{
    auto options = parse_cli(argc, argv);
    if (!options) {
        err << "uun-publish: " << options.error().message << "\n";
        return to_status(options.error().code);
    }
    if (options->what == command::help) {
        out << help_text();
        return 0;
    }
    if (options->what == command::version) {
        out << "uun-publish " << UUN_VERSION << "\n";
        return 0;
    }
    auto config = settings::load_server_config(options->config_path, settings::config_purpose::publish);
    if (!config) {
        err << "uun-publish: " << config.error().message << "\n";
        return to_status(exit_code::usage);
    }
    if (options->what == command::print_config)
        return config::print_settings(config->as_read, options->print_key, options->config_path, "uun-publish", out,
                                      err);
    if (config->log.syslog)
        log::open("uun-publish", log::sink::syslog, config->log.debug);

    system_clock clock;
    command_env env{
        .config = *config,
        .clock = clock,
        .out = out,
        .err = err,
        .tty = tty,
        .audit = config->log.syslog,
        .make_transport = make_postfix_transport,
        .pause = [] { std::this_thread::sleep_for(std::chrono::seconds(1)); },
    };
    outcome<void> done;
    switch (options->what) {
    case command::publish:
        done = run_publish(*options, env);
        break;
    case command::renotify:
        done = run_renotify(*options, env);
        break;
    case command::status:
        done = run_status(*options, env);
        break;
    case command::list:
        done = run_list(*options, env);
        break;
    case command::appliances:
        done = run_appliances(*options, env);
        break;
    case command::print_config:
    case command::help:
    case command::version:
        break;
    }
    out << std::flush;
    if (!done) {
        err << "uun-publish: " << done.error().message << "\n";
        return to_status(done.error().code);
    }
    return 0;
}

}  // namespace uun::publish
