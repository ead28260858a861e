// uun-updater: the appliance's update daemon. Reads updater.yaml, then polls
// uun-server on its countdown and whenever uun-milter drops a trigger.
// Exit 2: bad command line, config or start; --once exits 1 when anything
// failed, 3 when root mode saw the server withhold, freeze or replay (a trust alarm).
#include "lib/proto/keyring.hpp"
#include "lib/util/clock.hpp"
#include "lib/util/command_line.hpp"
#include "lib/util/config_print.hpp"
#include "lib/util/log.hpp"
#include "lib/util/startup.hpp"
#include "milter/updater/appliance_identity.hpp"
#include "milter/updater/curl_transport.hpp"
#include "milter/updater/daemon_loop.hpp"
#include "milter/updater/random_source.hpp"
#include "milter/updater/root_store.hpp"
#include "milter/updater/spool_watch.hpp"
#include "milter/updater/state_store.hpp"
#include "milter/updater/updater_config.hpp"
#include "milter/updater/updater_reload.hpp"
#include "milter/updater/updater_service.hpp"
#include "uun_build_config.hpp"

#include <boost/program_options.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

#include <unistd.h>

namespace po = boost::program_options;
using namespace uun;
using namespace uun::updater;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_setup = 2;
constexpr int exit_trust_alarm = 3;

// A start-up failure: to the log when it reaches someone (stderr in the
// foreground, syslog once detached, where the waiting parent prints it
// too), else to the terminal; and to the service manager as STATUS=.
int die(startup_report& report, const std::string& message, bool logged)
{
    logged = logged || report.detached();
    report.failed(message);
    if (logged)
        log::error(message);
    else
        std::cerr << "uun-updater: " << message << "\n";
    return exit_setup;
}

struct command_line {
    std::string config_path;
    bool foreground = false;
    bool once = false;
    bool debug = false;
    bool print_config = false;
    bool print_identity = false;
    std::string print_key;  // --print-config KEY
};

const program_help updater_help{
    "uun-updater",
    {"[-c FILE] [-f] [-d]", "[-c FILE] --once [-d]", "[-c FILE] --print-identity", "[-c FILE] --print-config [KEY]",
     "-h | -V"},
    "The appliance's update daemon: polls uun-server on its countdown and at once\n"
    "when uun-milter drops a trigger; fetches, verifies and installs the entries\n"
    "for this appliance and reports what it did.",
    {"uun-updater --once -f -d       # one poll now, every step on stderr",
     "uun-updater --print-identity   # the id and key the vendor admits (uun-publish --accept)",
     "uun-updater --print-config appliance.id"},
    "  0  done (--once: nothing failed)\n"
    "  1  --once: something failed (the log says what)\n"
    "  2  usage error, or updater.yaml, a key, the state or the spool is unusable\n"
    "  3  --once in root mode: the server withholds, freezes or replays (a trust alarm)\n"};

// nullopt: exit with code (help, version, a bad command line).
std::optional<command_line> parse_command_line(int argc, char** argv, int& code)
{
    command_line cl;
    po::options_description options("Options");
    add_config_option(options, &cl.config_path, "updater.yaml");
    add_foreground_option(options, &cl.foreground);
    options.add_options()
        ("once", po::bool_switch(&cl.once), "poll once (urgent when triggers wait), then exit (see Exit status)")
        ("debug,d", po::bool_switch(&cl.debug), "log debug messages too")
        ("print-config", po::bool_switch(&cl.print_config), config::print_config_help)
        ("print-identity", po::bool_switch(&cl.print_identity),
         "print the appliance's id, product and key fingerprint (what the vendor accepts with "
         "uun-publish --accept), making the key on a new appliance, then exit");
    add_help_version_options(options);
    po::variables_map vm;
    try {
        vm = parse_with_print_key(std::vector<std::string>(argv + 1, argv + argc), options, cl.print_key);
    } catch (const po::error& e) {
        std::cerr << "uun-updater: " << e.what() << " (see --help)\n";
        code = exit_setup;
        return std::nullopt;
    }
    if (auto answered = answer_help_or_version(vm, updater_help, options, std::cout)) {
        code = *answered;
        return std::nullopt;
    }
    code = exit_ok;
    return cl;
}

// One poll (--once) with this generation: the exit code says how it went.
int poll_once(const updater_generation& gen, state_store& store, startup_report& report)
{
    auto transport = curl_transport::create(curl_settings_from(gen.config));
    if (!transport)
        return die(report, transport.error().message, true);
    (*transport)->set_cancel_check([] { return stop_signal::requested(); });
    system_clock clock;
    csprng_source random;
    updater_service service(gen.config, gen.keys, **transport, store, clock, random);
    if (gen.root)
        service.follow_root(*gen.root);
    service.sign_as(gen.identity);
    if (auto ok = service.start(); !ok)
        return die(report, ok.error().message, true);
    auto outcome = service.poll(service.has_triggers() ? proto::poll_reason::urgent : proto::poll_reason::periodic);
    log::info(cat("done: ", outcome.installed, " installed, ", outcome.skipped, " not for this appliance, ",
                  outcome.problems, " problem(s)", outcome.complete ? "" : ", poll incomplete"));
    if (outcome.trust_alarms > 0)
        return exit_trust_alarm;
    return outcome.complete && outcome.problems == 0 ? exit_ok : exit_failed;
}

// The daemon with one generation until a stop or a SIGHUP. The transport is
// made by the caller, so a reload whose new one cannot be made keeps the old.
result<loop_end> run_generation(const updater_generation& gen, std::unique_ptr<curl_transport> transport,
                                state_store& store, spool_watch& watch, startup_report& report, bool first)
{
    transport->set_cancel_check([] { return stop_signal::requested(); });
    system_clock clock;
    csprng_source random;
    updater_service service(gen.config, gen.keys, *transport, store, clock, random);
    if (gen.root)
        service.follow_root(*gen.root);
    service.sign_as(gen.identity);
    if (auto ok = service.start(); !ok)
        return std::unexpected(ok.error());
    if (first) {
        log::info(cat("uun-updater ", UUN_VERSION, " running; next poll in ", service.next().at - clock.now(), "s"));
        report.ready(false);
    } else {
        log::info(cat("reloaded; next poll in ", service.next().at - clock.now(), "s"));
        startup_report::reloaded("running");
    }
    daemon_loop loop(service, watch, clock);
    return loop.run();
}

// SIGHUP: the next generation and its transport, or nullopt (logged) to keep the running one.
std::optional<std::pair<updater_generation, std::unique_ptr<curl_transport>>> reload(const std::string& path,
                                                                                      const updater_config& running)
{
    startup_report::reloading();
    auto fail_reload = [&](const std::string& why) {
        log::error(cat("reload: ", why, "; the running config stays"));
        startup_report::reloaded("the last reload failed (see the log); running with the previous config");
        return std::nullopt;
    };
    auto next = reload_generation(path, running);
    if (!next)
        return fail_reload(next.error().message);
    auto transport = curl_transport::create(curl_settings_from(next->generation.config));
    if (!transport)
        return fail_reload(transport.error().message);
    for (const auto& key : next->kept)
        log::warning(cat("reload: ", key, " changed in ", path, "; it takes effect at the next restart"));
    log::set_debug(next->generation.config.log_debug);
    log::info(cat("reload: read ", path, " (appliance ", next->generation.config.appliance.id, ", server ",
                  next->generation.config.server, ")"));
    return std::pair{std::move(next->generation), std::move(*transport)};
}

// Config, keys and state are in hand (and the process detached): one poll
// (--once), or the daemon loop, reloading on SIGHUP, until SIGTERM.
int serve(const command_line& cl, updater_generation gen, state_store& store, startup_report& report)
{
    if (cl.once)
        return poll_once(gen, store, report);
    auto watch = spool_watch::open(gen.config.spool_dir);
    if (!watch)
        return die(report, watch.error().message, true);
    auto transport = curl_transport::create(curl_settings_from(gen.config));
    if (!transport)
        return die(report, transport.error().message, true);
    std::unique_ptr<curl_transport> next_transport = std::move(*transport);
    for (bool first = true;; first = false) {
        auto ended = run_generation(gen, std::move(next_transport), store, *watch, report, first);
        if (!ended)
            return die(report, ended.error().message, true);
        if (*ended == loop_end::stop)
            break;
        while (stop_signal::take_reload()) {
        }
        auto next = reload(cl.config_path, gen.config);
        if (next) {
            gen = std::move(next->first);
            next_transport = std::move(next->second);
        } else {
            auto again = curl_transport::create(curl_settings_from(gen.config));
            if (!again)
                return die(report, again.error().message, true);
            next_transport = std::move(*again);
        }
    }
    startup_report::stopping();
    return exit_ok;
}

// Runs beside a running updater (no lock): the key is made exclusively, so
// both end up with the same one.
int print_identity(const updater_config& config)
{
    state_store store(config.state_dir);
    auto prepared = store.prepare();
    auto identity = prepared ? load_appliance_identity(config.state_dir, config.enrollment_secret_file, config.certificate_file)
                             : result<appliance_identity>(std::unexpected(prepared.error()));
    if (!identity) {
        std::cerr << "uun-updater: " << identity.error().message << "\n";
        return exit_setup;
    }
    std::cout << "id " << config.appliance.id << "\nproduct " << config.appliance.product << "\nkey "
              << identity->fingerprint << "\nenrollment_secret "
              << (identity->enrollment_secret.empty() ? "none" : "set") << "\ncertificate "
              << (identity->certificate.empty() ? "none" : config.certificate_file) << "\n";
    return exit_ok;
}

int run(int argc, char** argv)
{
    int code = exit_ok;
    auto cl = parse_command_line(argc, argv, code);
    if (!cl)
        return code;
    bool foreground = cl->foreground;

    startup_report report;
    auto config = load_updater_config(cl->config_path,
                                      cl->print_config ? config::host_checks::ignore : config::host_checks::enforce);
    if (!config)
        return die(report, config.error().message, false);
    if (cl->print_config)
        return config::print_settings(config->as_read, cl->print_key, cl->config_path, "uun-updater", std::cout,
                                      std::cerr);
    log::open("uun-updater", foreground ? log::sink::stderr_stream : log::sink::syslog,
              config->log_debug || cl->debug);
    if (cl->print_identity)
        return print_identity(*config);
    std::signal(SIGPIPE, SIG_IGN);
    if (auto ok = stop_signal::install(); !ok)
        return die(report, ok.error().message, foreground);
    state_store store(config->state_dir);
    if (auto ok = store.prepare(); !ok)
        return die(report, ok.error().message, foreground);
    if (auto ok = store.lock(); !ok)
        return die(report, ok.error().message, foreground);
    // The identity and the root are read once the state directory is held.
    auto generation = complete_generation(std::move(*config));
    if (!generation)
        return die(report, generation.error().message, foreground);
    if (!foreground && !cl->once && !startup_report::under_service_manager()) {
        auto detached = startup_report::detach("uun-updater");
        if (!detached)
            return die(report, cat("cannot detach: ", detached.error().message), false);
        report = std::move(*detached);
    }
    return serve(*cl, std::move(*generation), store, report);
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uun-updater: fatal: %s\n", e.what());
        log::error(cat("fatal: ", e.what()));
        return exit_setup;
    }
}
