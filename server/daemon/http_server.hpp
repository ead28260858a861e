// uun-server's running parts: the TLS context, the listeners, the worker
// threads, the registry sweep timer and the signals (SIGTERM/SIGINT stop,
// SIGHUP reloads the certificate and the trust roots). Caller: server_main. Set-up failures
// (certificate, binding) are values; once running it only stops on a signal.
#pragma once

#include "lib/util/clock.hpp"
#include "server/daemon/api.hpp"
#include "server/daemon/listener.hpp"
#include "server/daemon/metrics.hpp"
#include "server/daemon/session.hpp"
#include "server/daemon/tls_context.hpp"
#include "server/settings/server_config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace uun::daemon {

class http_server {
public:
    // Loads the certificate and binds every listen address; nothing runs yet,
    // so the caller may still fork.
    static result<std::unique_ptr<http_server>> prepare(const settings::server_config& config);

    // Serves until SIGTERM or SIGINT, then stops cleanly; `ready` is called
    // once everything listens; `trust` (null without a trust section) serves
    // v2 polls. Returns the exit status.
    int run(store::store& entries_and_registry, const clock& time, const std::function<void()>& ready,
            std::shared_ptr<trust_service> trust);

    // Around fork(): the child gets its own epoll instance and signal pipe.
    void before_fork();
    void after_fork_in_child();

    http_server(const settings::server_config& config, tls_context_ptr tls);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

private:
    void work();
    void wait_for_signal();
    void begin_stop(int signal);
    void on_drained();
    void reload();
    void reload_trust(const trust_service& current);
    void schedule_sweep(std::chrono::seconds after);
    unsigned worker_count() const;

    const settings::server_config config_;
    metrics metrics_;
    address_table per_address_;
    trusted_proxies proxies_;
    admission_rules admits_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> running_{false};
    connection_set connections_;
    tls_holder tls_;
    store::store* store_ = nullptr;
    const clock* clock_ = nullptr;
    std::unique_ptr<api> api_;
    std::unique_ptr<session_env> session_env_;
    std::unique_ptr<listener_env> listener_env_;
    // Declared after everything a pending handler may touch, so it is destroyed
    // (with those handlers) first; the objects below use it and go before it.
    boost::asio::io_context io_;
    std::vector<std::shared_ptr<listener>> listeners_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer sweep_timer_;
    boost::asio::steady_timer deadline_;
};

}  // namespace uun::daemon
