// Registry-row checks (see header).
#include "server/publish/address_checks.hpp"

#include <algorithm>
#include <cstring>

#include <arpa/inet.h>

namespace uun::publish {

bool is_appliance_id(std::string_view id)
{
    if (id.empty() || id.size() > max_appliance_id)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
    });
}

bool is_notify_recipient(std::string_view address)
{
    if (address.empty() || address.size() > max_recipient)
        return false;
    for (char c : address) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || std::strchr("<>\"\\,;", c) != nullptr)
            return false;
    }
    auto at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size())
        return false;
    std::string_view local = address.substr(0, at), domain = address.substr(at + 1);
    if (local.find('@') != std::string_view::npos)
        return false;
    if (domain.front() == '[')
        return domain.back() == ']' && domain.size() > 2;
    return domain.find_first_of("[]") == std::string_view::npos;
}

std::optional<ip_address> canonical_ip(std::string_view text)
{
    if (text.empty() || text.size() > INET6_ADDRSTRLEN)
        return std::nullopt;
    std::string s(text);
    char out[INET6_ADDRSTRLEN];
    in_addr v4{};
    if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
        ::inet_ntop(AF_INET, &v4, out, sizeof out);
        return ip_address{false, out};
    }
    in6_addr v6{};
    if (::inet_pton(AF_INET6, s.c_str(), &v6) != 1)
        return std::nullopt;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        std::memcpy(&v4, v6.s6_addr + 12, 4);
        ::inet_ntop(AF_INET, &v4, out, sizeof out);
        return ip_address{false, out};
    }
    ::inet_ntop(AF_INET6, &v6, out, sizeof out);
    return ip_address{true, out};
}

}  // namespace uun::publish
