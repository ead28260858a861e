// uun-publish's top level (see header). The real transport, the system clock
// and a one-second sleep are wired in here; tests call the commands with
// their own.
#include "server/publish/publish_app.hpp"

#include "lib/util/clock.hpp"
#include "lib/util/command_line.hpp"
#include "lib/util/config_print.hpp"
#include "lib/util/log.hpp"
#include "server/publish/cli_options.hpp"
#include "server/publish/commands.hpp"
#include "server/publish/queue_expiry.hpp"
#include "server/publish/remote_commands.hpp"
#include "server/publish/serve.hpp"
#include "server/settings/server_config.hpp"
#include "uun_build_config.hpp"

#include <cstdlib>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

namespace uun::publish {

namespace {

// `uun-publish [-c FILE] --serve [WORDS...]`: the words after --serve are the
// request (or $SSH_ORIGINAL_COMMAND's); only -c may come before it.
struct serve_call {
    std::vector<const char*> head{};  // argv up to --serve, for parse_cli
    std::vector<std::string> words;
};

std::optional<serve_call> serve_call_of(int argc, const char* const argv[])
{
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--serve") {
            serve_call call;
            call.head.assign(argv, argv + i);
            call.words.assign(argv + i + 1, argv + argc);
            call.words = serve_words(std::getenv("SSH_ORIGINAL_COMMAND"), call.words);
            return call;
        }
    return std::nullopt;
}

outcome<cli_options> serve_options(const std::vector<const char*>& head)
{
    cli_options o;
    o.what = command::publish;
    o.config_path = default_config_path();
    std::vector<std::string_view> h(head.begin() + 1, head.end());
    if (h.size() == 2 && (h[0] == "-c" || h[0] == "--config"))
        o.config_path = h[1];
    else if (h.size() == 1 && h[0].starts_with("--config="))
        o.config_path = h[0].substr(9);
    else if (!h.empty())
        return fail_with(exit_code::usage, "--serve takes only -c FILE before it");
    return o;
}

bool forwarded(command what)
{
    return what == command::renotify || what == command::status || what == command::list ||
           what == command::appliances || what == command::pending || what == command::accept ||
           what == command::reject || what == command::forget;
}

}  // namespace

int run_publish_cli(int argc, const char* const argv[], std::ostream& out, std::ostream& err, bool tty)
{
    auto serve = serve_call_of(argc, argv);
    auto options = serve ? serve_options(serve->head) : parse_cli(argc, argv);
    if (!options) {
        err << "uun-publish: " << options.error().message << "\n";
        return to_status(options.error().code);
    }
    if (options->what == command::help) {
        out << help_text();
        return 0;
    }
    if (options->what == command::version) {
        out << version_line("uun-publish") << "\n";
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
    // Not from the once-a-minute timer, which would repeat them all day.
    if (options->what != command::expire_queue)
        for (const auto& w : config->warnings)
            err << "uun-publish: warning: " << w << "\n";

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
    if (serve) {
        done = run_serve(serve->words, env);
    } else if (!config->publish.remote.empty() && forwarded(options->what)) {
        done = run_forwarded(*options, env);
    } else if (options->what == command::publish) {
        done = run_publish(*options, env);
    } else if (options->what == command::expire_queue) {
        done = run_expire_queue(*options, env);  // the local MTA's queue: never forwarded
    } else {
        done = run_query_command(*options, env);
    }
    out << std::flush;
    if (!done) {
        err << "uun-publish: " << done.error().message << "\n";
        return to_status(done.error().code);
    }
    return 0;
}

}  // namespace uun::publish
