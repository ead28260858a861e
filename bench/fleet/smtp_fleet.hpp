// The SMTP side of the fleet simulator: one epoll loop answering port 25 on
// every appliance's address, a minimal ESMTP server (PIPELINING, no TLS)
// that takes each mail, hands its X-UUN header value to a callback and
// answers 250. Bad clients get 5xx answers or are dropped; nothing here
// throws out of the loop. Called by fleet_main.cpp.
#pragma once

#include "lib/util/result.hpp"
#include "lib/util/unique_fd.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <netinet/in.h>

namespace uun::bench {

inline constexpr std::size_t max_smtp_line = 4096;
inline constexpr std::size_t max_mail_bytes = 256 * 1024;
inline constexpr std::size_t max_smtp_connections = 20000;

// The first header of name `name` in a mail (CRLF lines, headers then an
// empty line), continuation lines joined with "\n" as a milter sees them;
// empty when there is none.
std::string header_value(std::string_view mail, std::string_view name);

class smtp_fleet {
public:
    // index: which listener (appliance) took the mail; value: its X-UUN value.
    using mail_handler = std::function<void(std::size_t index, const std::string& uun_value)>;

    // max_connections: SMTP connections open at once; more are closed at once.
    explicit smtp_fleet(std::size_t max_connections) : max_connections_(max_connections) {}

    // Binds ADDR:port for each address (listen backlog `backlog`).
    result<void> listen_all(const std::vector<in_addr>& addresses, int port, int backlog);
    // Runs until stop() is called from another thread.
    result<void> run(const mail_handler& on_mail);
    void stop();

    std::uint64_t mails() const { return mails_; }
    std::uint64_t sessions() const { return sessions_; }

private:
    struct connection;
    void accept_on(std::size_t index);
    void readable(connection* c);
    void handle_line(connection* c, std::string_view line);
    void flush(connection* c);
    void close_connection(connection* c);

    unique_fd epoll_;
    unique_fd wake_;  // eventfd: stop()
    std::vector<unique_fd> listeners_;
    std::vector<connection*> dead_;
    const mail_handler* on_mail_ = nullptr;
    std::uint64_t mails_ = 0;
    std::uint64_t sessions_ = 0;
    std::size_t open_ = 0;
    std::size_t max_connections_;
};

}  // namespace uun::bench
