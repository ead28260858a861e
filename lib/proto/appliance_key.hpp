// How an appliance proves it is the one the registry knows: an Ed25519 key
// of its own, made on its first start, whose signature covers every poll
// and report (doc/protocol.md, "Appliance identity"). One definition of the
// header names, the signed bytes and the fingerprint admins compare, for
// the updater (signs), uun-server (verifies) and uun-publish (shows).
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/util/result.hpp"

#include <string>
#include <string_view>

namespace uun::proto {

namespace appliance_header {
inline constexpr std::string_view key = "X-UUN-Key";              // base64 of the 32 raw public key bytes
inline constexpr std::string_view signature = "X-UUN-Signature";  // base64 of the 64-byte signature
inline constexpr std::string_view enrollment = "X-UUN-Enrollment";  // the product line's enrollment secret
inline constexpr std::string_view certificate = "X-UUN-Certificate";  // base64 of the DER device certificate
}  // namespace appliance_header

// The bytes an appliance signs for one request: a fixed context, the path
// (so a signed report cannot pass as a poll) and the body exactly as sent.
std::string request_signing_input(std::string_view path, std::string_view body);

// "SHA256:" and the unpadded base64 of SHA-256 of the raw public key, as
// OpenSSH shows keys: what `uun-updater --print-identity` prints on the
// appliance and `uun-publish --appliances` shows on the vendor side.
std::string key_fingerprint(std::string_view raw_public_key);
// The same from the base64 form the registry keeps (X-UUN-Key's value);
// "(bad key)" for anything that is not base64.
std::string key_fingerprint_of_base64(std::string_view base64_key);

struct signed_request_headers {
    std::string key;        // X-UUN-Key value
    std::string signature;  // X-UUN-Signature value
};
signed_request_headers sign_request(const private_key& key, std::string_view path, std::string_view body);

// The raw public key a request's two header values prove, or why not: a
// missing half, bad base64, a key that is not 32 bytes, a signature that
// does not verify over request_signing_input(path, body).
result<std::string> verify_request(std::string_view key_header, std::string_view signature_header,
                                   std::string_view path, std::string_view body);

// An enrollment secret as a file holds it: one line of 16 to 256 printable
// ASCII characters without spaces (a trailing newline is allowed).
result<std::string> parse_enrollment_secret(std::string_view file_content, std::string_view origin);

}  // namespace uun::proto
