// Start, run and stop (see header). Stopping: the listeners close, idle
// connections close, busy ones finish their answer; whatever is still open
// after limits.request_timeout is cut.
#include "server/daemon/http_server.hpp"

#include "lib/util/log.hpp"
#include "lib/util/startup.hpp"
#include "lib/util/units.hpp"
#include "server/daemon/registry_sweep.hpp"
#include "uun_build_config.hpp"

#include <csignal>
#include <exception>
#include <thread>

namespace uun::daemon {

namespace net = boost::asio;

result<std::unique_ptr<http_server>> http_server::prepare(const settings::server_config& config)
{
    auto tls = make_tls_context(config.tls);
    if (!tls)
        return std::unexpected(tls.error());
    auto proxies = trusted_proxies::from_list(config.registry.trusted_proxies);
    if (!proxies)
        return std::unexpected(proxies.error());
    auto admits = admission_rules::load(config.registry);
    if (!admits)
        return std::unexpected(admits.error());
    auto server = std::make_unique<http_server>(config, *tls);
    server->proxies_ = std::move(*proxies);
    server->admits_ = std::move(*admits);
    for (const auto& address : config.listen) {
        auto l = listener::open(server->io_, address, *server->listener_env_);
        if (!l)
            return std::unexpected(l.error());
        server->listeners_.push_back(std::move(*l));
    }
    if (server->listeners_.empty())
        return fail("listen: no address to listen on");
    // TLS with the same certificate as the appliance listener, loopback or
    // not: one connection code path with all its limits, and an admin
    // address moved off loopback is never plain text by mistake.
    for (const auto& address : config.admin.listen) {
        auto l = listener::open(server->io_, address, *server->listener_env_, listener_role::admin);
        if (!l)
            return fail(cat("admin.", l.error().message));
        server->listeners_.push_back(std::move(*l));
    }
    return server;
}

http_server::http_server(const settings::server_config& config, tls_context_ptr tls)
    : config_(config),
      per_address_(address_limit_settings{config.limits.per_address.max_connections,
                                          config.limits.per_address.max_handshakes,
                                          config.limits.per_address.new_registrations, max_tracked_addresses}),
      tls_(std::move(tls)), listener_env_(std::make_unique<listener_env>(
                                listener_env{tls_, nullptr, config.limits.max_connections, &per_address_, &proxies_})),
      io_(static_cast<int>(worker_count())), signals_(io_, SIGTERM, SIGINT, SIGHUP), sweep_timer_(io_),
      deadline_(io_)
{
}

http_server::~http_server() = default;

void http_server::before_fork()
{
    io_.notify_fork(net::execution_context::fork_prepare);
}

void http_server::after_fork_in_child()
{
    io_.notify_fork(net::execution_context::fork_child);
}

namespace {

// The start-up line that says who may add a registry row.
std::string admission_line(const admission_rules& admits)
{
    switch (admits.policy()) {
    case admission_policy::open:
        return "registry.admission open: any appliance that polls gets a registry row and UUNs (accept, secret or "
               "certificate admit by key)";
    case admission_policy::secret:
        return cat("registry.admission secret: a new appliance with its product line's secret (", admits.product_lines(),
                   admits.product_lines() == 1 ? " line" : " lines", ") is admitted; others wait for uun-publish --accept");
    case admission_policy::certificate:
        return cat("registry.admission certificate: a new appliance with a certificate from registry.device_ca (",
                   admits.device_certificates(), admits.device_certificates() == 1 ? " CA" : " CAs",
                   ") for its key and id is admitted; others wait for uun-publish --accept");
    case admission_policy::accept:
        return "registry.admission accept: a new appliance gets its entries but no UUNs until uun-publish --accept";
    }
    return {};
}

}  // namespace

unsigned http_server::worker_count() const
{
    if (config_.limits.workers > 0)
        return static_cast<unsigned>(config_.limits.workers);
    return std::max(1u, std::thread::hardware_concurrency());
}

int http_server::run(store::store& entries_and_registry, const clock& time, const std::function<void()>& ready,
                     std::shared_ptr<trust_service> trust)
{
    store_ = &entries_and_registry;
    clock_ = &time;
    api_settings settings;
    settings.max_body = config_.limits.max_body;
    settings.poll_interval = config_.poll.interval;
    settings.max_entries = static_cast<std::size_t>(config_.poll.max_entries);
    settings.proxies = proxies_;
    settings.max_appliances = config_.registry.max_appliances;
    settings.per_address = &per_address_;
    settings.admits = admits_;
    settings.debug = config_.log.debug;
    settings.vendor_domains = settings::vendor_domains(config_.publish);
    settings.trust = std::move(trust);
    api_ = std::make_unique<api>(entries_and_registry, store::payload_dir(config_.store.payload_dir),
                                 std::move(settings), metrics_, time);
    session_limits limits;
    limits.request_timeout = config_.limits.request_timeout;
    limits.handshake_timeout = config_.limits.handshake_timeout;
    limits.idle_timeout = config_.limits.idle_timeout;
    limits.max_body = config_.limits.max_body;
    limits.max_inflight = config_.limits.max_inflight;
    limits.retry_after = static_cast<long>(config_.limits.retry_after.count());
    session_env_ = std::make_unique<session_env>(
        session_env{*api_, metrics_, per_address_, limits, connections_, stopping_, [this] { on_drained(); }});
    listener_env_->sessions = session_env_.get();

    running_ = true;
    for (auto& l : listeners_)
        l->start();
    wait_for_signal();
    schedule_sweep(std::chrono::seconds(0));

    std::string addresses;
    std::string admin;
    for (const auto& l : listeners_) {
        auto& list = l->role() == listener_role::admin ? admin : addresses;
        list += (list.empty() ? "" : " ") + l->address();
    }
    unsigned workers = worker_count();
    log::info(cat("uun-server ", UUN_VERSION, " started: listening on ", addresses,
                  "; admin (/metrics, status page) on ", admin.empty() ? std::string("none") : admin, " with ",
                  workers, workers == 1 ? " worker" : " workers", "; certificate ",
                  describe_certificate(*tls_.current())));
    log::info(admission_line(admits_));
    ready();

    std::vector<std::thread> threads;
    for (unsigned i = 1; i < workers; ++i)
        threads.emplace_back([this] { work(); });
    work();
    for (auto& t : threads)
        t.join();
    running_ = false;
    log::info(cat("uun-server stopped; ", metrics_.open_connections().load(), " connections were still open"));
    return 0;
}

void http_server::work()
{
    for (;;) {
        try {
            io_.run();
            return;
        } catch (const std::exception& e) {
            // A handler let an exception out: a bug, but not a reason to stop serving.
            log::error(cat("internal error in a worker: ", e.what()));
        } catch (...) {
            log::error("internal error in a worker");
        }
    }
}

void http_server::wait_for_signal()
{
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
        if (ec)
            return;
        if (signal == SIGHUP)
            reload();
        else
            begin_stop(signal);
        wait_for_signal();
    });
}

void http_server::reload()
{
    auto fresh = tls_.reload(config_.tls);
    if (!fresh)
        log::error(cat("SIGHUP: ", fresh.error().message, "; the certificate in use stays"));
    else
        log::info(cat("SIGHUP: reloaded the TLS certificate and key: ", describe_certificate(**fresh)));
    if (api_)
        if (auto current = api_->trust())
            reload_trust(*current);
}

// A new root in trust.roots_dir (a rotation) or a new timestamp key is
// served from now on; a broken chain, or one shorter than the one served,
// changes nothing: roots never go back.
void http_server::reload_trust(const trust_service& current)
{
    auto fresh = load_trust(config_.trust);
    std::uint64_t serving = current.roots.newest.version;
    if (!fresh) {
        log::error(cat("SIGHUP: trust: ", fresh.error().message, "; roots v1 to v", serving, " stay"));
        return;
    }
    std::uint64_t found = (*fresh)->roots.newest.version;
    if (found < serving) {
        log::error(cat("SIGHUP: trust: ", config_.trust.roots_dir, " goes only to root v", found, " but v", serving,
                       " is served: roots never go back; roots v1 to v", serving, " stay"));
        return;
    }
    api_->set_trust(std::move(*fresh));
    log::info(cat("SIGHUP: trust: serving roots v1 to v", found, found > serving ? " (new)" : " (unchanged)",
                  " from ", config_.trust.roots_dir));
}

void http_server::begin_stop(int signal)
{
    const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
    if (stopping_.exchange(true)) {
        log::info(cat(name, " again: stopping now"));
        io_.stop();
        return;
    }
    startup_report::stopping();
    auto open = metrics_.open_connections().load();
    log::info(cat(name, ": stopping; no new connections, ", open, " open ones get up to ",
                  format_duration(config_.limits.request_timeout), " to finish"));
    for (auto& l : listeners_)
        l->stop();
    sweep_timer_.cancel();
    for (auto& s : connections_.live())
        s->stop();
    if (metrics_.open_connections().load() == 0) {
        io_.stop();
        return;
    }
    deadline_.expires_after(config_.limits.request_timeout);
    deadline_.async_wait([this](boost::system::error_code ec) {
        if (ec)
            return;
        log::warning(cat("stop deadline reached; closing ", metrics_.open_connections().load(),
                         " connections that are still open"));
        io_.stop();
    });
}

void http_server::on_drained()
{
    if (running_)
        io_.stop();
}

void http_server::schedule_sweep(std::chrono::seconds after)
{
    sweep_timer_.expires_after(after);
    sweep_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_)
            return;
        sweep_limits limits{config_.registry.expire_after, config_.registry.max_sweep_share, false};
        auto outcome = sweep_expired(*store_, limits, clock_->now());
        if (outcome && outcome->held)
            log::warning(describe(*outcome, limits));
        else if (outcome)
            log::info(describe(*outcome, limits));
        else
            log::error(outcome.error().message);
        schedule_sweep(config_.registry.sweep_interval);
    });
}

}  // namespace uun::daemon
