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

}  // namespace uun::publish
