// What uun-publish checks in registry rows before they reach a mail header,
// an argv or the relay map: appliance ids, notify recipients, IP addresses.
// Rows come from uun-server, which checks them too; a bad one fails only
// that appliance's notification.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace uun::publish {

inline constexpr std::size_t max_appliance_id = 64;
inline constexpr std::size_t max_recipient = 254;

// [A-Za-z0-9._-]{1,64}, as doc/protocol.md defines it.
bool is_appliance_id(std::string_view id);

// local@domain or local@[ip]: printable ASCII, no white space, no <>"\,;.
bool is_notify_recipient(std::string_view address);

// A textual IPv4 or IPv6 address in its canonical inet_ntop form; an
// IPv4-mapped IPv6 address becomes IPv4. nullopt when it is not an address.
struct ip_address {
    bool v6 = false;
    std::string text;
};
std::optional<ip_address> canonical_ip(std::string_view text);

}  // namespace uun::publish
