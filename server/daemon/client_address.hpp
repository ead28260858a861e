// Which address a poll came from: the TCP peer, or, when the peer is a
// trusted proxy, the right-most X-Forwarded-For address that is not one.
// IPv4-mapped IPv6 is written as IPv4. Caller: the poll handler. A forwarded
// address that does not parse is an error (the poll gets a 400).
#pragma once

#include "lib/util/result.hpp"

#include <boost/asio/ip/address.hpp>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace uun::daemon {

// ::ffff:192.0.2.1 becomes 192.0.2.1; everything else stays as it is.
boost::asio::ip::address unmap_address(const boost::asio::ip::address& address);
std::string address_text(const boost::asio::ip::address& address);

// "192.0.2.1", "2001:db8::1" or "[2001:db8::1]"; white space around is allowed.
result<boost::asio::ip::address> parse_ip_address(std::string_view text);

class trusted_proxies {
public:
    trusted_proxies() = default;
    // The addresses are already validated by the config loader; one that does not parse is an error.
    static result<trusted_proxies> from_list(const std::vector<std::string>& addresses);

    bool contains(const boost::asio::ip::address& address) const;
    bool empty() const { return addresses_.empty(); }

private:
    std::set<boost::asio::ip::address> addresses_;
};

// The longest X-Forwarded-For value taken into account, over all its fields.
inline constexpr std::size_t max_forwarded_for_bytes = 2048;

// forwarded_for: the X-Forwarded-For fields joined with ","; "" when absent.
result<std::string> choose_client_address(const boost::asio::ip::address& peer, std::string_view forwarded_for,
                                          const trusted_proxies& proxies);

}  // namespace uun::daemon
