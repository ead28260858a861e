// The TLS side of uun-server: a server context (TLS 1.2 and later, session
// tickets, no server-side session cache) built from the PEM files in
// server.yaml, and a holder that SIGHUP can swap. Callers: the listener
// (one context per new connection) and the server (reload). A file that does
// not load is an error naming it; on reload the old context stays in use.
#pragma once

#include "lib/util/result.hpp"
#include "server/settings/server_config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <string>

namespace uun::daemon {

inline constexpr std::uint64_t max_pem_file_bytes = 1 << 20;

using tls_context_ptr = std::shared_ptr<boost::asio::ssl::context>;

result<tls_context_ptr> make_tls_context(const settings::tls_config& files);

// "subject CN=..., serial 0A1B..., valid until 2025-01-01 00:00:00Z", for log lines.
std::string describe_certificate(const boost::asio::ssl::context& context);

class tls_holder {
public:
    explicit tls_holder(tls_context_ptr initial) : current_(std::move(initial)) {}

    // Connections keep the context they started with, so a swap never disturbs them.
    tls_context_ptr current() const
    {
        std::lock_guard lock(mutex_);
        return current_;
    }

    // Loads the files again; on failure the current context stays.
    result<tls_context_ptr> reload(const settings::tls_config& files);

private:
    mutable std::mutex mutex_;
    tls_context_ptr current_;
};

}  // namespace uun::daemon
