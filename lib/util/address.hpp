// IP address text, the one place uun parses it (inet_pton): config checks on
// both sides, the server's address-literal recipients and uun-publish's
// relay map. Pure functions; text that is not an address is a plain "no".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uun {

bool is_ipv4_address(std::string_view text);
bool is_ipv6_address(std::string_view text);
bool is_ip_address(std::string_view text);  // either
bool is_ipv4_loopback(std::string_view text);  // 127.0.0.0/8
// Loopback, unspecified or link-local (IPv4, IPv6, IPv4-mapped): an address
// that names the host itself or its own link, never a remote appliance.
bool is_host_local_address(std::string_view text);
// The IPv4 address as a number in host byte order; nullopt when it is not one.
std::optional<std::uint32_t> ipv4_host_order(std::string_view text);

// A textual IPv4 or IPv6 address in its canonical inet_ntop form; an
// IPv4-mapped IPv6 address becomes IPv4. nullopt when it is not an address.
struct ip_address {
    bool v6 = false;
    std::string text;
};
std::optional<ip_address> canonical_ip(std::string_view text);

}  // namespace uun
