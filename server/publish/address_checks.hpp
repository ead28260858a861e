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

// IP addresses are checked with lib/util/address.hpp (canonical_ip).

}  // namespace uun::publish
