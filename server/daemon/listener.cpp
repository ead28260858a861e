// Listening and accepting (see header).
#include "server/daemon/listener.hpp"

#include "lib/util/log.hpp"
#include "server/daemon/client_address.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>

namespace uun::daemon {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// After EMFILE and the like, wait before accepting again rather than spin.
constexpr std::chrono::milliseconds accept_retry_delay{100};

}  // namespace

std::int64_t overflow_ceiling(std::int64_t max_connections)
{
    return max_connections + std::max<std::int64_t>(16, max_connections / 4);
}

result<tcp::endpoint> parse_listen_address(const std::string& text)
{
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
        return fail(cat("listen: '", text, "' is not address:port"));
    auto address = parse_ip_address(std::string_view(text).substr(0, colon));
    if (!address)
        return fail(cat("listen: '", text, "': ", address.error().message));
    auto port_text = text.substr(colon + 1);
    if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
        return fail(cat("listen: '", text, "' has no valid port"));
    int port = std::stoi(port_text);
    if (port > 65535)
        return fail(cat("listen: '", text, "' has no valid port"));
    return tcp::endpoint(*address, static_cast<unsigned short>(port));
}

listener::listener(net::io_context& io, std::string address, listener_env& env, listener_role role)
    : io_(io), address_(std::move(address)), env_(env), role_(role), strand_(net::make_strand(io)), acceptor_(strand_),
      retry_(strand_)
{
}

result<std::shared_ptr<listener>> listener::open(net::io_context& io, const std::string& address, listener_env& env,
                                                 listener_role role)
{
    auto endpoint = parse_listen_address(address);
    if (!endpoint)
        return std::unexpected(endpoint.error());
    auto l = std::make_shared<listener>(io, address, env, role);
    boost::system::error_code ec;
    auto failed = [&](const char* what) { return fail(cat("listen on ", address, ": ", what, ": ", ec.message())); };
    l->acceptor_.open(endpoint->protocol(), ec);
    if (ec)
        return failed("cannot open a socket");
    if (endpoint->address().is_v6()) {
        // "[::]:8443" next to "0.0.0.0:8443" must not fight over IPv4.
        l->acceptor_.set_option(net::ip::v6_only(true), ec);
        if (ec)
            return failed("cannot set IPV6_V6ONLY");
    }
    l->acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec)
        return failed("cannot set SO_REUSEADDR");
    l->acceptor_.bind(*endpoint, ec);
    if (ec)
        return failed("cannot bind");
    l->acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        return failed("cannot listen");
    return l;
}

void listener::start()
{
    net::post(strand_, [self = shared_from_this()] { self->accept(); });
}

void listener::stop()
{
    net::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        boost::system::error_code ignored;
        self->retry_.cancel();
        self->acceptor_.close(ignored);
    });
}

void listener::accept()
{
    if (stopped_)
        return;
    // Each connection runs on a strand of its own, so workers share the load.
    acceptor_.async_accept(net::make_strand(io_),
                           [self = shared_from_this()](boost::beast::error_code ec, tcp::socket socket) {
                               self->on_accept(ec, std::move(socket));
                           });
}

void listener::on_accept(boost::beast::error_code ec, tcp::socket socket)
{
    if (stopped_ || ec == net::error::operation_aborted)
        return;
    if (ec) {
        log::warning(cat("accepting on ", address_, ": ", ec.message()));
        retry_.expires_after(accept_retry_delay);
        retry_.async_wait([self = shared_from_this()](boost::beast::error_code e) {
            if (!e)
                self->accept();
        });
        return;
    }
    boost::system::error_code peer_error;
    auto peer = unmap_address(socket.remote_endpoint(peer_error).address());
    if (peer_error)
        return accept();  // it has gone already
    // By the TCP peer: X-Forwarded-For is not read yet, and anyone can write it.
    bool counted = !env_.exempt || !env_.exempt->contains(peer);
    if (counted) {
        auto verdict = env_.per_address->admit(peer, address_table::clock_type::now());
        if (verdict != admission::admitted) {
            env_.sessions->counters.count_refusal(verdict == admission::too_many_connections
                                                      ? refusal::per_address_connections
                                                      : refusal::per_address_handshakes);
            boost::system::error_code ignored;
            socket.close(ignored);
            return accept();
        }
    }
    serve(std::move(socket), peer, counted);
    accept();
}

void listener::serve(tcp::socket socket, const net::ip::address& peer, bool counted)
{
    auto& open = env_.sessions->counters.open_connections();
    std::int64_t now_open = open.fetch_add(1, std::memory_order_acq_rel) + 1;
    auto give_back = [&] {
        open.fetch_sub(1, std::memory_order_acq_rel);
        if (counted)
            env_.per_address->release(peer, true);
    };
    if (now_open > overflow_ceiling(env_.max_connections)) {
        // Too many even to be told 503: the kernel closes it.
        give_back();
        env_.sessions->counters.count_overload(overload_reason::connections);
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
    }
    std::shared_ptr<session> made;
    try {
        session_options options{peer, role_, now_open > env_.max_connections, counted};
        made = std::make_shared<session>(std::move(socket), env_.tls.current(), *env_.sessions, options);
    } catch (const std::exception& e) {
        // OpenSSL could not make an SSL object (out of memory): drop this one.
        give_back();
        log::error(cat("cannot set up a connection on ", address_, ": ", e.what()));
        return;
    }
    made->start();  // from here its destructor gives the counts back
}

}  // namespace uun::daemon
