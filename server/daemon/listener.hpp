// One listening socket (IPv4, or IPv6 with IPV6_V6ONLY) and its accept loop.
// Each accepted connection gets its own strand and a session; over
// max_connections it gets a session that only answers 503, and past a hard
// ceiling above that it is closed at once; so is one whose address already
// holds its per-address share (no 503: that would cost us a TLS handshake
// for the address that is over its share). Callers: the server. Binding
// errors are values naming the address; accept errors are logged and retried.
#pragma once

#include "lib/util/result.hpp"
#include "server/daemon/session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <functional>
#include <memory>
#include <string>

namespace uun::daemon {

// "0.0.0.0:8443" or "[::]:8443", as server.yaml writes it.
result<boost::asio::ip::tcp::endpoint> parse_listen_address(const std::string& text);

struct listener_env {
    tls_holder& tls;
    session_env* sessions = nullptr;  // set before the listeners start
    std::int64_t max_connections = 4096;
    address_table* per_address = nullptr;         // set with sessions
    const trusted_proxies* exempt = nullptr;      // peers not limited per address
};

class listener : public std::enable_shared_from_this<listener> {
public:
    // Binds and listens; the accept loop starts with start().
    static result<std::shared_ptr<listener>> open(boost::asio::io_context& io, const std::string& address,
                                                  listener_env& env,
                                                  listener_role role = listener_role::appliance);

    void start();
    void stop();  // closes the socket; safe from any thread
    const std::string& address() const { return address_; }
    listener_role role() const { return role_; }

    listener(boost::asio::io_context& io, std::string address, listener_env& env, listener_role role);

private:
    void accept();
    void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
    void serve(boost::asio::ip::tcp::socket socket, const boost::asio::ip::address& peer, bool counted);

    boost::asio::io_context& io_;
    std::string address_;
    listener_env& env_;
    listener_role role_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_;
    bool stopped_ = false;
};

// Connections allowed above max_connections only to be told 503.
std::int64_t overflow_ceiling(std::int64_t max_connections);

}  // namespace uun::daemon
