// Client address choice (see header). The list is walked from the right:
// each trusted proxy vouches for the address to its left, and the first
// address nobody we trust vouches beyond is the client.
#include "server/daemon/client_address.hpp"

namespace uun::daemon {

namespace ip = boost::asio::ip;

ip::address unmap_address(const ip::address& address)
{
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    return address;
}

std::string address_text(const ip::address& address)
{
    return unmap_address(address).to_string();
}

result<ip::address> parse_ip_address(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    boost::system::error_code ec;
    // make_address takes a NUL-terminated string.
    auto address = ip::make_address(std::string(text), ec);
    if (ec)
        return fail(cat("'", text.substr(0, 64), "' is not an IP address"));
    return unmap_address(address);
}

result<trusted_proxies> trusted_proxies::from_list(const std::vector<std::string>& addresses)
{
    trusted_proxies out;
    for (const auto& a : addresses) {
        auto parsed = parse_ip_address(a);
        if (!parsed)
            return fail(cat("registry.trusted_proxies: ", parsed.error().message));
        out.addresses_.insert(*parsed);
    }
    return out;
}

bool trusted_proxies::contains(const ip::address& address) const
{
    return addresses_.contains(unmap_address(address));
}

result<std::string> choose_client_address(const ip::address& peer, std::string_view forwarded_for,
                                          const trusted_proxies& proxies)
{
    ip::address client = unmap_address(peer);
    if (!proxies.contains(client))
        return client.to_string();
    if (forwarded_for.size() > max_forwarded_for_bytes)
        return fail(cat("X-Forwarded-For is longer than ", max_forwarded_for_bytes, " bytes"));
    std::string_view rest = forwarded_for;
    while (!rest.empty()) {
        auto comma = rest.rfind(',');
        std::string_view item = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
        if (item.find_first_not_of(" \t") == std::string_view::npos)
            continue;  // "a,,b" or a trailing comma: nothing vouched for
        auto address = parse_ip_address(item);
        if (!address)
            return fail(cat("X-Forwarded-For from trusted proxy ", client.to_string(), ": ",
                            address.error().message));
        client = *address;
        if (!proxies.contains(client))
            break;
    }
    return client.to_string();
}

}  // namespace uun::daemon
