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

// Config, keys and state are in hand (and the process detached): the
// transport and the service, then one poll (--once) or the daemon loop.
int serve(const command_line& cl, const updater_config& config, const proto::keyring& keys,
          const std::optional<proto::root_metadata>& root, const appliance_identity& identity, state_store& store,
          startup_report& report)
{
    auto transport = curl_transport::create(curl_settings_from(config));
    if (!transport)
        return die(report, transport.error().message, true);
    (*transport)->set_cancel_check([] { return stop_signal::requested(); });
    system_clock clock;
    csprng_source random;
    updater_service service(config, keys, **transport, store, clock, random);
    if (root)
        service.follow_root(*root);
    service.sign_as(identity);
    if (auto ok = service.start(); !ok)
        return die(report, ok.error().message, true);

    if (cl.once) {
        auto outcome = service.poll(service.has_triggers() ? proto::poll_reason::urgent : proto::poll_reason::periodic);
        log::info(cat("done: ", outcome.installed, " installed, ", outcome.skipped, " not for this appliance, ",
                      outcome.problems, " problem(s)", outcome.complete ? "" : ", poll incomplete"));
        if (outcome.trust_alarms > 0)
            return exit_trust_alarm;
        return outcome.complete && outcome.problems == 0 ? exit_ok : exit_failed;
    }
    auto watch = spool_watch::open(config.spool_dir);
    if (!watch)
        return die(report, watch.error().message, true);
    log::info(cat("uun-updater ", UUN_VERSION, " running; next poll in ", service.next().at - clock.now(), "s"));
    report.ready(false);
    daemon_loop loop(service, *watch, clock);
    loop.run();
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
    // Root mode takes its keys from the root, loaded once the state directory is held.
    auto keys = config->root_mode() ? result<proto::keyring>(proto::keyring{})
                                    : proto::keyring::load(config->trusted_keys);
    if (!keys)
        return die(report, cat("trusted_keys: ", keys.error().message), foreground);

    std::signal(SIGPIPE, SIG_IGN);
    if (auto ok = stop_signal::install(); !ok)
        return die(report, ok.error().message, foreground);
    state_store store(config->state_dir);
    if (auto ok = store.prepare(); !ok)
        return die(report, ok.error().message, foreground);
    if (auto ok = store.lock(); !ok)
        return die(report, ok.error().message, foreground);
    auto identity = load_appliance_identity(config->state_dir, config->enrollment_secret_file, config->certificate_file);
    if (!identity)
        return die(report, identity.error().message, foreground);
    std::optional<proto::root_metadata> root;
    if (config->root_mode()) {
        auto loaded = load_trusted_root(config->state_dir, config->trust_root);
        if (!loaded)
            return die(report, loaded.error().message, foreground);
        root = std::move(*loaded);
    }
    if (!foreground && !cl->once && !startup_report::under_service_manager()) {
        auto detached = startup_report::detach("uun-updater");
        if (!detached)
            return die(report, cat("cannot detach: ", detached.error().message), false);
        report = std::move(*detached);
    }
    return serve(*cl, *config, *keys, root, *identity, store, report);
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
