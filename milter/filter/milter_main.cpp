// uun-milter start-up order (see header). Everything that needs root happens
// before drop_privileges; everything that reads mail happens after it.
#include "milter/filter/milter_main.hpp"

#include "lib/proto/ed25519.hpp"
#include "lib/proto/keyring.hpp"
#include "lib/util/command_line.hpp"
#include "lib/util/config_print.hpp"
#include "lib/util/log.hpp"
#include "lib/util/startup.hpp"
#include "milter/filter/key_source.hpp"
#include "milter/filter/listen_socket.hpp"
#include "milter/filter/milter_config.hpp"
#include "milter/filter/milter_glue.hpp"
#include "milter/filter/milter_signals.hpp"
#include "milter/filter/privileges.hpp"
#include "milter/filter/reload.hpp"
#include "uun_build_config.hpp"

#include <boost/program_options.hpp>
#include <libmilter/mfapi.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <unistd.h>

namespace uun::filter {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

struct options {
    std::string config_path;  // -c, else <sysconfdir>/milter.yaml
    bool foreground = false;
    bool check_only = false;
    bool print_config = false;
    std::string print_key;  // --print-config KEY
};

const program_help milter_help{
    "uun-milter",
    {"[-c FILE] [-f]", "[-c FILE] -t", "[-c FILE] --print-config [KEY]", "-h | -V"},
    "The appliance's mail filter (libmilter, for Postfix or Sendmail): takes the\n"
    "signed urgent update notifications out of the mail stream and wakes uun-updater.",
    {"uun-milter -t                     # check milter.yaml and the keys, then exit",
     "uun-milter -f                     # run in the foreground, log to stderr",
     "uun-milter --print-config socket  # where Postfix's smtpd_milters must point"},
    "  0  done (-t: the config and keys are good)\n"
    "  1  the start failed: the socket, the pid file or the state directory (the message names it)\n"
    "  2  usage error, or milter.yaml, a key, the user or the socket group is unusable\n"};

// nullopt: exit with *code (help, version, bad usage).
std::optional<options> parse_options(int argc, char** argv, int& code)
{
    namespace po = boost::program_options;
    options o;
    po::options_description desc("Options");
    add_config_option(desc, &o.config_path, "milter.yaml");
    add_foreground_option(desc, &o.foreground);
    desc.add_options()("check-config,t", po::bool_switch(&o.check_only), "check the config and keys, then exit")(
        "print-config", po::bool_switch(&o.print_config), config::print_config_help);
    add_help_version_options(desc);
    po::variables_map vm;
    try {
        vm = parse_with_print_key(std::vector<std::string>(argv + 1, argv + argc), desc, o.print_key);
    } catch (const po::error& e) {
        std::cerr << "uun-milter: " << e.what() << " (see --help)\n";
        code = exit_usage;
        return std::nullopt;
    }
    if (auto answered = answer_help_or_version(vm, milter_help, desc, std::cout)) {
        code = *answered;
        return std::nullopt;
    }
    return o;
}

std::string describe(const milter_config& c, const key_source& keys, const identity& who)
{
    return cat("socket ", c.socket, ", user ", who.user, ", ", keys.describe(), ", clock skew ", c.clock_skew,
               "s, spool ", c.spool_dir, ", subject marker ", c.subject_marker ? "on" : "off", ", body token ",
               c.body_token ? "on" : "off");
}

// A failed start, said where someone sees it: before the fork an operator is
// watching the terminal; after it the parent prints what the child reports;
// the service manager gets it as STATUS=. Once the socket exists a failed
// start removes it, so the next start does not find a stale one.
struct start_failure {
    const options& opts;
    const milter_config& cfg;
    startup_report report;
    bool socket_made = false;

    int operator()(const std::string& message, int exit_code)
    {
        if (std::string path = unix_socket_path(cfg.socket); socket_made && !path.empty())
            ::unlink(path.c_str());
        log::error(message);
        bool parent_prints = report.parent_waiting();
        report.failed(message);
        if (!parent_prints && !opts.foreground && cfg.log_to == log::sink::syslog)
            std::fprintf(stderr, "uun-milter: %s\n", message.c_str());
        return exit_code;
    }
};

// SIGHUP: the new generation, or the running one when the new config or
// its keys do not load (said in the log, and to the service manager).
std::shared_ptr<const filter_generation> reload_and_log(const std::string& path,
                                                        std::shared_ptr<const filter_generation> running,
                                                        const identity& who, const uun::clock& root_clock)
{
    startup_report::reloading();
    auto reloaded = reload_generation(path, *running, root_clock);
    if (!reloaded) {
        log::error(cat("reload: ", reloaded.error().message, "; the running config stays"));
        startup_report::reloaded("the last reload failed (see the log); running with the previous config");
        return running;
    }
    for (const auto& key : reloaded->kept)
        log::warning(cat("reload: ", key, " changed in ", path, "; it takes effect at the next restart"));
    const auto& next = *reloaded->generation;
    set_filter_generation(reloaded->generation);
    log::set_debug(next.config.debug);
    log::info(cat("reloaded ", path, ": ", describe(next.config, *next.keys, who)));
    startup_report::reloaded("running");
    return reloaded->generation;
}

// The socket is made (as root, if started so); from here: detach, drop
// privileges for good, open the replay cache, serve until SIGTERM,
// reloading on SIGHUP.
int serve(start_failure& fatal, std::unique_ptr<key_source> keys, const identity& who, const uun::clock& root_clock)
{
    const auto& cfg = fatal.cfg;
    if (!fatal.opts.foreground && !startup_report::under_service_manager()) {
        auto daemon = startup_report::detach("uun-milter");
        if (!daemon)
            return fatal(daemon.error().message, exit_failure);
        fatal.report = std::move(*daemon);
        if (auto ok = write_pid_file(cfg.pid_file); !ok)
            return fatal(cat("pid_file: ", ok.error().message), exit_failure);
    }
    if (auto ok = drop_privileges(who); !ok)
        return fatal(ok.error().message, exit_failure);

    if (std::string root = keys->root_path(); !root.empty() && ::access(root.c_str(), R_OK) != 0)
        log::warning(cat("trusted_root: ", root, " is not readable by user ", who.user,
                         "; a newer root there is not picked up until it is"));
    system_clock clock;
    auto cache = replay_cache::open(cfg.state_dir + "/replay.sqlite", cfg.replay_cache_entries, clock);
    if (!cache)
        return fatal(cat("state_dir: ", cache.error().message), exit_failure);
    if (::access(cfg.spool_dir.c_str(), W_OK | X_OK) != 0)
        log::warning(cat("spool_dir ", cfg.spool_dir, " is not writable by user ", who.user,
                         "; valid UUNs are answered 451 4.3.0 until it is"));
    trigger_spool spool(cfg.spool_dir);
    // Before smfi_main starts libmilter's threads, so they inherit the mask.
    if (auto ok = block_milter_signals(); !ok)
        return fatal(ok.error().message, exit_failure);
    std::shared_ptr<const filter_generation> running =
        std::make_shared<const filter_generation>(cfg, std::move(keys), **cache, spool, clock);
    set_filter_generation(running);

    log::info(cat("started: ", describe(cfg, *running->keys, who), ", replay cache ", (*cache)->size(), " entries"));
    fatal.report.ready(cfg.log_to == log::sink::stderr_stream);
    int rc = run_with_signals([] { return smfi_main(); },
                              [&] { running = reload_and_log(fatal.opts.config_path, running, who, root_clock); });
    startup_report::stopping();
    set_filter_generation(nullptr);
    running.reset();
    log::info(rc == MI_SUCCESS ? "stopped" : "stopped after a libmilter failure");
    if (fatal.report.detached() && ::unlink(cfg.pid_file.c_str()) != 0)
        log::debug(cat("pid_file ", cfg.pid_file, " left in place (not removable as ", who.user, ")"));
    return rc == MI_SUCCESS ? exit_ok : exit_failure;
}

}  // namespace

int run_milter(int argc, char** argv)
{
    proto::defer_openssl_error_strings();
    int code = exit_ok;
    auto opts = parse_options(argc, argv, code);
    if (!opts)
        return code;

    auto config = load_milter_config(opts->config_path);
    if (!config) {
        std::fprintf(stderr, "uun-milter: %s\n", config.error().message.c_str());
        return exit_usage;
    }
    const milter_config& cfg = *config;
    if (opts->print_config)
        return config::print_settings(cfg.as_read, opts->print_key, opts->config_path, "uun-milter", std::cout,
                                      std::cerr);
    log::open("uun-milter", opts->foreground ? log::sink::stderr_stream : cfg.log_to, cfg.debug);
    start_failure fatal{*opts, cfg, {}};

    static const system_clock root_clock;  // outlives every key source, which outlive smfi_main
    auto keys = load_keys(cfg, root_clock);
    if (!keys)
        return fatal(keys.error().message, exit_usage);
    auto who = resolve_identity(cfg.user, cfg.group);
    if (!who)
        return fatal(who.error().message, exit_usage);
    gid_t socket_gid = who->gid;
    if (!cfg.socket_group.empty()) {
        auto gid = resolve_group(cfg.socket_group);
        if (!gid)
            // The packaged default names Postfix's group; a Sendmail host has none.
            return fatal(cat("socket_group: ", gid.error().message,
                             " (an MTA without this group, such as Sendmail running as root, needs none:"
                             " set socket_group: \"\" and socket: unix:/run/uun-milter/milter.sock)"),
                         exit_usage);
        socket_gid = *gid;
    }
    if (opts->check_only) {
        std::printf("%s: OK (%s)\n", opts->config_path.c_str(), (*keys)->describe().c_str());
        return exit_ok;
    }

    if (auto ok = register_filter(transport_of(cfg.socket)); !ok)
        return fatal(ok.error().message, exit_failure);
    if (auto ok = clear_stale_socket(cfg.socket); !ok)
        return fatal(ok.error().message, exit_failure);
    if (auto ok = open_milter_socket(cfg.socket, who->uid, socket_gid, cfg.socket_mode); !ok)
        return fatal(ok.error().message, exit_failure);
    fatal.socket_made = true;
    return serve(fatal, std::move(*keys), *who, root_clock);
}

}  // namespace uun::filter
