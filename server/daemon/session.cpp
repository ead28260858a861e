// The connection state machine (see header). All of a session's handlers run
// on its own strand. Deadlines come from beast::tcp_stream: the handshake has
// handshake_timeout, each request request_timeout, a keep-alive wait
// idle_timeout, and a write must make progress within request_timeout.
// Under -fsanitize, g++ 12 sees boost::optional in Beast's parser as "maybe
// uninitialized" (a known false positive inside Boost 1.74's headers).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "server/daemon/session.hpp"

#include "lib/util/log.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace uun::daemon {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

// How much a keep-alive connection reads when the next request starts.
constexpr std::size_t first_read_bytes = 4096;

bool is_http_parse_error(const beast::error_code& ec)
{
    return ec.category() == beast::http::make_error_code(beast::http::error::bad_target).category();
}

// The peer went away or took too long: there is nobody to answer.
bool is_quiet_end(const beast::error_code& ec)
{
    return ec == beast::http::error::end_of_stream || ec == beast::http::error::partial_message ||
           ec == net::error::eof || ec == net::ssl::error::stream_truncated || ec == beast::error::timeout ||
           ec == net::error::operation_aborted || ec == net::error::connection_reset;
}

}  // namespace

void connection_set::add(const std::shared_ptr<session>& s)
{
    std::lock_guard lock(mutex_);
    sessions_.emplace(s.get(), s);
}

void connection_set::remove(const session* s)
{
    std::lock_guard lock(mutex_);
    sessions_.erase(s);
}

std::vector<std::shared_ptr<session>> connection_set::live() const
{
    std::vector<std::shared_ptr<session>> out;
    std::lock_guard lock(mutex_);
    out.reserve(sessions_.size());
    for (const auto& [key, weak] : sessions_)
        if (auto s = weak.lock())
            out.push_back(std::move(s));
    return out;
}

session::session(net::ip::tcp::socket&& socket, tls_context_ptr tls, session_env& env, session_options options)
    : tls_(std::move(tls)), stream_(std::move(socket), *tls_), env_(env), over_limit_(options.over_limit),
      peer_(options.peer), role_(options.role), counted_(options.counted)
{
    beast::error_code ec;
    // Answers go out whole; waiting for more to send only adds latency.
    beast::get_lowest_layer(stream_).socket().set_option(net::ip::tcp::no_delay(true), ec);
}

session::~session()
{
    env_.connections.remove(this);
    if (counted_)
        env_.per_address.release(peer_, in_handshake_);
    if (inflight_)
        env_.counters.inflight_requests().fetch_sub(1, std::memory_order_relaxed);
    if (env_.counters.open_connections().fetch_sub(1, std::memory_order_acq_rel) == 1 &&
        env_.stopping.load(std::memory_order_acquire))
        env_.on_drained();
}

void session::start()
{
    env_.connections.add(shared_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
        auto& tcp = beast::get_lowest_layer(self->stream_);
        // Short, and apart from request_timeout: a connection that sends no TLS
        // bytes holds a handshake slot of its address until then.
        tcp.expires_after(self->over_limit_ ? std::min(overload_timeout, self->env_.limits.handshake_timeout)
                                            : self->env_.limits.handshake_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server,
                                      [self](beast::error_code ec) { self->on_handshake(ec); });
    });
}

void session::stop()
{
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        // An idle connection has nothing in flight; cancelling its wait ends it.
        if (self->state_ == state::idle)
            beast::get_lowest_layer(self->stream_).cancel();
    });
}

void session::on_handshake(beast::error_code ec)
{
    if (counted_)
        env_.per_address.handshake_done(peer_);
    in_handshake_ = false;
    if (ec) {
        env_.counters.count_handshake_failure();
        if (env_.handler.debug())
            log::debug(cat("TLS handshake with ", peer_.to_string(), " failed: ", ec.message()));
        return;
    }
    read_request(true);
}

void session::read_request(bool first)
{
    parser_.emplace();
    parser_->header_limit(max_header_bytes);
    parser_->body_limit(env_.limits.max_body);
    if (buffer_.size() != 0)
        return read_rest();  // a pipelined request is already here
    if (!first && env_.stopping.load(std::memory_order_acquire))
        return close_gracefully();
    // Waiting for the first byte is idling: a stop closes the connection then.
    // A new connection must send its first request within request_timeout.
    state_ = state::idle;
    auto& tcp = beast::get_lowest_layer(stream_);
    if (env_.stopping.load(std::memory_order_acquire))
        tcp.expires_after(close_timeout);  // connected just before the stop: a moment to ask
    else if (over_limit_)
        tcp.expires_after(std::min(overload_timeout, env_.limits.request_timeout));
    else
        tcp.expires_after(first ? env_.limits.request_timeout : env_.limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(first_read_bytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                self->on_idle_data(ec, n);
                            });
}

void session::on_idle_data(beast::error_code ec, std::size_t bytes)
{
    if (ec)
        return;  // idle timeout, the client closed, or the server is stopping
    buffer_.commit(bytes);
    read_rest();
}

void session::read_rest()
{
    state_ = state::reading;
    auto& tcp = beast::get_lowest_layer(stream_);
    tcp.expires_after(over_limit_ ? std::min(overload_timeout, env_.limits.request_timeout)
                                  : env_.limits.request_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        self->on_read(ec, n);
    });
}

void session::on_read(beast::error_code ec, std::size_t)
{
    if (ec)
        return answer_read_error(ec);
    state_ = state::handling;
    request_ = parser_->release();
    parser_.reset();
    if (over_limit_) {
        env_.counters.count_overload(overload_reason::connections);
        env_.counters.count_request(route_of(request_.target()), 503);
        return answer(overload_reply(env_.limits.retry_after), after_answer::close);
    }
    auto& inflight = env_.counters.inflight_requests();
    if (inflight.fetch_add(1, std::memory_order_acq_rel) >= env_.limits.max_inflight) {
        inflight.fetch_sub(1, std::memory_order_acq_rel);
        env_.counters.count_overload(overload_reason::inflight);
        env_.counters.count_request(route_of(request_.target()), 503);
        return answer(overload_reply(env_.limits.retry_after), after_answer::close);
    }
    inflight_ = true;
    answer(env_.handler.handle(request_, peer_, role_), after_answer::keep_alive);
}

void session::answer_read_error(beast::error_code ec)
{
    if (is_quiet_end(ec) || over_limit_ || !parser_)
        return;
    // The request cannot be read to its end, so the connection cannot go on.
    route where = route_of(parser_->get().target());  // "" (other) when the request line did not parse
    http_reply reply;
    if (ec == http::error::body_limit)
        reply = error_reply(http::status::payload_too_large,
                            cat("the request body is larger than ", env_.limits.max_body, " bytes"));
    else if (ec == http::error::header_limit)
        reply = error_reply(http::status::request_header_fields_too_large,
                            cat("the request header is larger than ", max_header_bytes, " bytes"));
    else if (is_http_parse_error(ec))
        reply = error_reply(http::status::bad_request, cat("malformed HTTP request: ", ec.message()));
    else
        return;  // a network error: nobody to answer
    if (env_.handler.debug())
        log::debug(cat("request from ", peer_.to_string(), ": ", reply.result_int(), " (", ec.message(), ")"));
    env_.counters.count_request(where, reply.result_int());
    state_ = state::handling;
    request_ = {};
    answer(std::move(reply), after_answer::close_unread);
}

void session::answer(http_reply reply, after_answer then)
{
    bool head = request_.method() == http::verb::head;
    if (then == after_answer::keep_alive &&
        (!request_.keep_alive() || !reply.keep_alive() || env_.stopping.load(std::memory_order_acquire)))
        then = after_answer::close;
    then_ = then;
    reply.version(request_.version() == 10 ? 10 : 11);
    reply.set(http::field::server, "uun-server");
    reply.content_length(reply_body::size(reply.body()));
    if (head) {
        reply.body().text.clear();
        reply.body().file.reset();
    }
    reply.keep_alive(then == after_answer::keep_alive);
    reply_.emplace(std::move(reply));
    serializer_.emplace(*reply_);
    write_some();
}

void session::write_some()
{
    // A deadline per piece: a big payload may take long, a stalled reader may not.
    beast::get_lowest_layer(stream_).expires_after(env_.limits.request_timeout);
    http::async_write_some(stream_, *serializer_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void session::on_write(beast::error_code ec, std::size_t)
{
    if (ec) {
        if (env_.handler.debug() && !is_quiet_end(ec))
            log::debug(cat("writing to ", peer_.to_string(), ": ", ec.message()));
        return;
    }
    if (!serializer_->is_done())
        return write_some();
    serializer_.reset();
    reply_.reset();
    request_ = {};
    if (inflight_) {
        inflight_ = false;
        env_.counters.inflight_requests().fetch_sub(1, std::memory_order_acq_rel);
    }
    if (then_ == after_answer::keep_alive)
        return read_request(false);
    if (then_ == after_answer::close_unread)
        return drain();
    close_gracefully();
}

void session::close_gracefully()
{
    state_ = state::closing;
    beast::get_lowest_layer(stream_).expires_after(close_timeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code ec) { self->on_shutdown(ec); });
}

void session::drain()
{
    // No close_notify here: the peer may still be sending, and a TLS shutdown
    // would fail on its data. A FIN after the answer, then discard what comes.
    state_ = state::closing;
    auto& tcp = beast::get_lowest_layer(stream_);
    beast::error_code ignored;
    tcp.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    tcp.expires_after(close_timeout);
    tcp.async_read_some(buffer_.prepare(first_read_bytes),
                        [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_drain(ec, n); });
}

void session::on_drain(beast::error_code ec, std::size_t bytes)
{
    drained_ += bytes;
    if (ec || drained_ > max_drain_bytes)
        return;  // the peer closed, or took too long, or sends too much: close
    beast::get_lowest_layer(stream_).async_read_some(
        buffer_.prepare(first_read_bytes),
        [self = shared_from_this()](beast::error_code e, std::size_t n) { self->on_drain(e, n); });
}

void session::on_shutdown(beast::error_code)
{
    // Whatever the peer did, the socket closes when the last reference goes.
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace uun::daemon
