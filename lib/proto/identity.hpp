// Who an appliance says it is (doc/protocol.md "Identity" and POST /v1/poll):
// the appliance id, its token, product and version text and the notify
// recipient, with their limits. One rule each: uun-updater checks its config
// with it, uun-server the poll and report bodies, uun-publish registry rows
// before they reach a mail header or the relay map. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace uun::proto {

inline constexpr std::size_t max_appliance_id_bytes = 64;
inline constexpr std::size_t max_product_bytes = 64;  // also for version
inline constexpr std::size_t max_recipient_bytes = 254;
inline constexpr std::size_t max_domain_label_bytes = 63;
inline constexpr std::size_t token_bytes = 32;                       // decoded
inline constexpr std::size_t token_chars = (token_bytes * 4 + 2) / 3;  // 43 base64url characters, no padding

// The character sets as error messages quote them.
inline constexpr std::string_view appliance_id_chars = "[a-z0-9._-]";
inline constexpr std::string_view product_text_chars = "[A-Za-z0-9._+~:-]";

// [a-z0-9._-]{1,64}: one case only. The vendor's MTA looks routes up without
// case, so "GW-1" beside "gw-1" would take the other's UUNs; a canonical id
// has one spelling everywhere (API, store, relay map, CLI).
bool is_valid_appliance_id(std::string_view id);

// base64url of exactly 32 bytes, 43 characters, no padding, canonical.
bool is_valid_token(std::string_view token);

// product and version: [A-Za-z0-9._+~:-]{1,64}.
bool is_valid_product_text(std::string_view text);

// local@domain or local@[ip] (local@[IPv6:addr]), as the appliance's MTA
// accepts it: at most 254 bytes of printable ASCII without white space,
// <, >, ", \, comma or semicolon; exactly one @; the domain a host name
// (labels of letters, digits and inner hyphens, 1 to 63 bytes, no empty
// label, no trailing dot) or an IPv4 / IPv6 address literal.
bool is_valid_notify_recipient(std::string_view recipient);

// Why the vendor must not mail a UUN to this (valid) recipient, or "" when it
// may: the vendor's MTA would deliver it to itself or to a vendor mailbox,
// not to the appliance. Refused: a single-label domain (localhost, or a bare
// name the MTA completes with its own domain), *.localhost, an address
// literal that is loopback, unspecified or link-local, and a domain equal to
// or below one of vendor_domains (without case). The server refuses such a
// poll; uun-publish skips such a row.
std::string refused_recipient_reason(std::string_view recipient, const std::vector<std::string>& vendor_domains);

}  // namespace uun::proto
