// Strict base64 (RFC 4648 §4, padded) and base64url (§5, unpadded) codecs on
// top of OpenSSL. Decoding rejects anything not canonical: white space, wrong
// padding, stray characters. Callers: UUN header, DSSE envelopes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace uun {

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace uun
