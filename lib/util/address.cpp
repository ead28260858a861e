// IP address text through inet_pton/inet_ntop (see header). Input longer
// than any address, or holding a NUL, is refused before it is copied:
// inet_pton reads a C string, so "1.2.3.4\0junk" would otherwise pass.
#include "lib/util/address.hpp"

#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace uun {

namespace {

template<class Addr>
bool parse(int family, std::string_view text, Addr& out)
{
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos)
        return false;
    std::string s(text);
    return ::inet_pton(family, s.c_str(), &out) == 1;
}

}  // namespace

bool is_ipv4_address(std::string_view text)
{
    in_addr a{};
    return parse(AF_INET, text, a);
}

bool is_ipv6_address(std::string_view text)
{
    in6_addr a{};
    return parse(AF_INET6, text, a);
}

bool is_ip_address(std::string_view text)
{
    return is_ipv4_address(text) || is_ipv6_address(text);
}

bool is_ipv4_loopback(std::string_view text)
{
    in_addr a{};
    return parse(AF_INET, text, a) && (ntohl(a.s_addr) >> 24) == 127;
}

bool is_host_local_address(std::string_view text)
{
    auto ip = canonical_ip(text);
    if (!ip)
        return false;
    if (!ip->v6) {
        auto n = *ipv4_host_order(ip->text);
        return (n >> 24) == 127 || (n >> 24) == 0 || (n >> 16) == 0xa9fe;  // 127/8, 0/8, 169.254/16
    }
    in6_addr a{};
    parse(AF_INET6, ip->text, a);
    return IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LINKLOCAL(&a);
}

std::optional<std::uint32_t> ipv4_host_order(std::string_view text)
{
    in_addr a{};
    if (!parse(AF_INET, text, a))
        return std::nullopt;
    return ntohl(a.s_addr);
}

std::optional<ip_address> canonical_ip(std::string_view text)
{
    char out[INET6_ADDRSTRLEN];
    in_addr v4{};
    if (parse(AF_INET, text, v4)) {
        ::inet_ntop(AF_INET, &v4, out, sizeof out);
        return ip_address{false, out};
    }
    in6_addr v6{};
    if (!parse(AF_INET6, text, v6))
        return std::nullopt;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        std::memcpy(&v4, v6.s6_addr + 12, 4);
        ::inet_ntop(AF_INET, &v4, out, sizeof out);
        return ip_address{false, out};
    }
    ::inet_ntop(AF_INET6, &v6, out, sizeof out);
    return ip_address{true, out};
}

}  // namespace uun
