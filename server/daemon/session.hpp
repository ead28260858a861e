// One client connection: TLS handshake, then HTTP/1.1 requests one after the
// other (keep-alive), each read under a deadline and answered by the api.
// Callers: the listener creates sessions, the server stops them. Every
// network failure or hostile input ends only this connection; nothing here
// throws out of a handler.
#pragma once

#include "server/daemon/address_limits.hpp"
#include "server/daemon/api.hpp"
#include "server/daemon/tls_context.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace uun::daemon {

// The request header (request line and fields) may not be longer than this.
inline constexpr std::uint32_t max_header_bytes = 8 * 1024;
// A connection over max_connections gets this long to say what it wants before its 503.
inline constexpr std::chrono::seconds overload_timeout{5};
// Sending close_notify and waiting for the peer's after the last answer, or
// reading away the rest of a refused request so our answer is not reset.
inline constexpr std::chrono::seconds close_timeout{2};
inline constexpr std::size_t max_drain_bytes = 1 << 20;

struct session_limits {
    std::chrono::seconds request_timeout{30};  // one request read; no write progress
    std::chrono::seconds handshake_timeout{5};  // the TLS handshake
    std::chrono::seconds idle_timeout{60};     // keep-alive wait for the next request
    std::size_t max_body = 16 * 1024;
    std::int64_t max_inflight = 512;
    long retry_after = 30;
};

class session;

// The sessions alive now, so the server can reach them when it stops.
class connection_set {
public:
    void add(const std::shared_ptr<session>& s);
    void remove(const session* s);
    std::vector<std::shared_ptr<session>> live() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<const session*, std::weak_ptr<session>> sessions_;
};

struct session_env {
    api& handler;
    metrics& counters;  // open_connections() counts this session from its accept to its destruction
    address_table& per_address;  // counts a session made with `counted` until its destruction
    session_limits limits;
    connection_set& connections;
    std::atomic<bool>& stopping;
    std::function<void()> on_drained;  // the last connection closed while stopping
};

struct session_options {
    boost::asio::ip::address peer;  // the TCP peer
    listener_role role = listener_role::appliance;
    bool over_limit = false;  // the server already holds max_connections; this one only gets a 503
    bool counted = false;     // the listener counted it in env.per_address (not a trusted proxy)
};

class session : public std::enable_shared_from_this<session> {
public:
    session(boost::asio::ip::tcp::socket&& socket, tls_context_ptr tls, session_env& env, session_options options);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void start();
    // The server is stopping: an idle connection closes now, a busy one after its answer.
    void stop();

private:
    enum class state { handshake, idle, reading, handling, closing };
    // After an answer: read the next request, close with TLS close_notify, or
    // (the request was not read to its end) stop sending and read away the rest.
    enum class after_answer { keep_alive, close, close_unread };
    using stream_type = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    void on_handshake(boost::beast::error_code ec);
    void read_request(bool first);
    void on_idle_data(boost::beast::error_code ec, std::size_t bytes);
    void read_rest();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void answer(http_reply reply, after_answer then);
    void write_some();
    void on_write(boost::beast::error_code ec, std::size_t bytes);
    void close_gracefully();
    void on_shutdown(boost::beast::error_code ec);
    void drain();
    void on_drain(boost::beast::error_code ec, std::size_t bytes);
    // The connection's answer to a request that could not be read completely.
    void answer_read_error(boost::beast::error_code ec);

    tls_context_ptr tls_;  // kept alive for the SSL object, whatever SIGHUP does
    stream_type stream_;
    session_env& env_;
    bool over_limit_;
    boost::asio::ip::address peer_;
    listener_role role_;
    bool counted_;
    bool in_handshake_ = true;
    state state_ = state::handshake;
    boost::beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http_request request_;
    std::optional<http_reply> reply_;
    std::optional<http::response_serializer<reply_body>> serializer_;
    after_answer then_ = after_answer::close;
    std::size_t drained_ = 0;
    bool inflight_ = false;
};

}  // namespace uun::daemon
