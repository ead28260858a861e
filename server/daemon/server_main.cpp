// Start-up order matters here: the certificate is loaded and the sockets
// bound while errors still reach the terminal; then the process detaches
// (without -f); only then is the store opened and are threads started.
#include "server/daemon/server_main.hpp"

#include "lib/util/clock.hpp"
#include "lib/util/command_line.hpp"
#include "lib/util/config_print.hpp"
#include "lib/util/log.hpp"
#include "lib/util/startup.hpp"
#include "server/daemon/command_line.hpp"
#include "server/daemon/http_server.hpp"
#include "server/daemon/registry_sweep.hpp"
#include "server/daemon/trust_roots.hpp"
#include "server/settings/server_config.hpp"
#include "server/store/store.hpp"
#include "uun_build_config.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>

namespace uun::daemon {

namespace {

// Descriptors beyond the connections: listeners, the store, payload files, syslog.
constexpr rlim_t spare_descriptors = 256;

void say(const std::string& message)
{
    std::fprintf(stderr, "uun-server: %s\n", message.c_str());
}

// Where start-up errors go: the terminal, the waiting parent or the service
// manager, and the log.
class startup_reporter {
public:
    explicit startup_reporter(bool log_to_stderr) : log_to_stderr_(log_to_stderr) {}
    void detached(startup_report report) { report_ = std::move(report); }

    int failed(const std::string& message)
    {
        log::error(message);
        bool parent_prints = report_.parent_waiting();
        report_.failed(message);
        if (!parent_prints && !log_to_stderr_)
            say(message);
        return 1;
    }

    void ready() { report_.ready(log_to_stderr_); }

private:
    bool log_to_stderr_;
    startup_report report_;
};

void raise_descriptor_limit(std::int64_t max_connections)
{
    rlim_t want = static_cast<rlim_t>(overflow_ceiling(max_connections)) + spare_descriptors;
    struct rlimit lim {};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= want)
        return;
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY || lim.rlim_max >= want ? want : lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < want)
        log::warning(cat("the open-file limit ", lim.rlim_cur, " is below the ", want,
                         " that limits.max_connections needs; raise it (LimitNOFILE=) or lower max_connections"));
}

result<void> check_payload_dir(const std::string& dir)
{
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(cat("store.payload_dir ", dir, ": no such directory"));
    return {};
}

// Null without a trust section (a v1 server).
result<std::shared_ptr<trust_service>> start_trust(const settings::trust_config& config)
{
    if (!config.enabled())
        return nullptr;
    auto trust = load_trust(config);
    if (!trust)
        return trust;
    const auto& newest = (*trust)->roots.newest;
    log::info(cat("trust: serving roots v1 to v", newest.version, " from ", config.roots_dir, "; timestamp key ",
                  config.timestamp_key));
    if (newest.expired(system_clock().now()))
        log::warning(cat("trust: the newest root v", newest.version,
                         " has expired; appliances refuse it until a newer one is in ", config.roots_dir));
    return trust;
}

int sweep_once(const settings::server_config& config, bool force)
{
    if (config.log.syslog)
        log::open("uun-server", log::sink::syslog, config.log.debug);
    auto opened = store::open_sqlite_store(config.store.sqlite);
    if (!opened) {
        say(opened.error().message);
        return 1;
    }
    system_clock time;
    sweep_limits limits{config.registry.expire_after, config.registry.max_sweep_share, force};
    auto outcome = sweep_expired(**opened, limits, time.now());
    if (!outcome) {
        say(outcome.error().message);
        return 1;
    }
    auto line = describe(*outcome, limits);
    std::printf("%s\n", line.c_str());
    if (config.log.syslog)
        outcome->held ? log::warning(line) : log::info(line);
    return outcome->held ? 3 : 0;
}

}  // namespace

int server_main(int argc, char** argv)
{
    auto command = parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
    if (!command) {
        say(command.error().message);
        return 2;
    }
    if (command->help) {
        std::printf("%s", usage().c_str());
        return 0;
    }
    if (command->version) {
        std::printf("%s\n", version_line("uun-server").c_str());
        return 0;
    }
    auto config = settings::load_server_config(command->config, settings::config_purpose::daemon);
    if (!config) {
        say(config.error().message);
        return 1;
    }
    if (command->print_config)
        return config::print_settings(config->as_read, command->print_key, command->config, "uun-server", std::cout,
                                      std::cerr);
    if (command->sweep)
        return sweep_once(*config, command->force);

    bool log_to_stderr = command->foreground || !config->log.syslog;
    log::open("uun-server", log_to_stderr ? log::sink::stderr_stream : log::sink::syslog, config->log.debug);
    startup_reporter report(log_to_stderr);
    for (const auto& w : config->warnings)
        log::warning(cat("warning: ", w));
    // A peer that vanishes mid-write must be an error code, not a signal.
    std::signal(SIGPIPE, SIG_IGN);
    raise_descriptor_limit(config->limits.max_connections);
    if (auto ok = check_payload_dir(config->store.payload_dir); !ok)
        return report.failed(ok.error().message);

    auto trust = start_trust(config->trust);
    if (!trust)
        return report.failed(trust.error().message);
    auto server = http_server::prepare(*config);
    if (!server)
        return report.failed(server.error().message);
    if (!command->foreground && !startup_report::under_service_manager()) {
        (*server)->before_fork();
        auto detached = startup_report::detach("uun-server");
        if (!detached)
            return report.failed(detached.error().message);
        (*server)->after_fork_in_child();
        report.detached(std::move(*detached));
    }
    auto opened = store::open_sqlite_store(config->store.sqlite);
    if (!opened)
        return report.failed(opened.error().message);
    system_clock time;
    return (*server)->run(**opened, time, [&report] { report.ready(); }, std::move(*trust));
}

}  // namespace uun::daemon
