// Appliance request signatures and key fingerprints (see header).
#include "lib/proto/appliance_key.hpp"

#include "lib/util/base64.hpp"

#include <openssl/sha.h>

namespace uun::proto {

namespace {

constexpr std::string_view signing_context = "uun-request-v1\n";
constexpr std::size_t raw_key_size = 32;
constexpr std::size_t signature_size = 64;
constexpr std::size_t min_secret = 16;
constexpr std::size_t max_secret = 256;

}  // namespace

std::string request_signing_input(std::string_view path, std::string_view body)
{
    std::string out;
    out.reserve(signing_context.size() + path.size() + 1 + body.size());
    out += signing_context;
    out += path;
    out += '\n';
    out += body;
    return out;
}

std::string key_fingerprint(std::string_view raw_public_key)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(raw_public_key.data()), raw_public_key.size(), digest);
    std::string b64 = base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
    while (!b64.empty() && b64.back() == '=')
        b64.pop_back();
    return "SHA256:" + b64;
}

std::string key_fingerprint_of_base64(std::string_view base64_key)
{
    auto raw = base64_decode(base64_key);
    return raw ? key_fingerprint(*raw) : std::string("(bad key)");
}

signed_request_headers sign_request(const private_key& key, std::string_view path, std::string_view body)
{
    return {base64_encode(key.public_part().raw()), base64_encode(key.sign(request_signing_input(path, body)))};
}

result<std::string> verify_request(std::string_view key_header, std::string_view signature_header,
                                   std::string_view path, std::string_view body)
{
    if (key_header.empty() || signature_header.empty())
        return fail(cat("a signed request carries both ", appliance_header::key, " and ",
                        appliance_header::signature, "; this one has only ",
                        key_header.empty() ? appliance_header::signature : appliance_header::key));
    auto raw = base64_decode(key_header);
    if (!raw || raw->size() != raw_key_size)
        return fail(cat(appliance_header::key, " is not the base64 of a 32-byte Ed25519 public key"));
    auto signature = base64_decode(signature_header);
    if (!signature || signature->size() != signature_size)
        return fail(cat(appliance_header::signature, " is not the base64 of a 64-byte Ed25519 signature"));
    auto key = public_key::from_raw(*raw);
    if (!key)
        return fail(cat(appliance_header::key, ": ", key.error().message));
    if (!key->verify(request_signing_input(path, body), *signature))
        return fail(cat(appliance_header::signature, " does not verify with key ", key_fingerprint(*raw),
                        " over this request"));
    return std::move(*raw);
}

result<std::string> parse_enrollment_secret(std::string_view content, std::string_view origin)
{
    if (!content.empty() && content.back() == '\n')
        content.remove_suffix(1);
    if (content.size() < min_secret || content.size() > max_secret)
        return fail(cat(origin, ": an enrollment secret is one line of ", min_secret, " to ", max_secret,
                        " characters; this one has ", content.size()));
    for (char c : content)
        if (c <= ' ' || c > '~')
            return fail(cat(origin, ": an enrollment secret holds printable ASCII without spaces only"));
    return std::string(content);
}

}  // namespace uun::proto
