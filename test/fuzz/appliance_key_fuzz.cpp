// libFuzzer harness: the identity header fields of a poll or report
// (X-UUN-Key, X-UUN-Signature, X-UUN-Enrollment, from anyone who reaches
// uun-server) and an enrollment secret file. The input is split at the
// first two NUL bytes into key, signature and the rest (body and secret).
// A forged signature must never verify; an accepted secret is clean.
#include "lib/proto/appliance_key.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

using namespace uun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view in = fuzz::as_text(data, size);
    auto first = in.find('\0');
    auto second = first == std::string_view::npos ? first : in.find('\0', first + 1);
    std::string_view key = in.substr(0, first);
    std::string_view signature = first == std::string_view::npos ? "" : in.substr(first + 1, second - first - 1);
    std::string_view rest = second == std::string_view::npos ? "" : in.substr(second + 1);

    auto proved = proto::verify_request(key, signature, "/v1/poll", rest);
    // Nobody without the private key signs; a fuzzer that makes a valid
    // Ed25519 signature from nothing has found a bug in OpenSSL or here.
    fuzz::require(!proved, "a signature made without a key verified");
    (void)proto::key_fingerprint_of_base64(key);

    if (auto secret = proto::parse_enrollment_secret(rest, "fuzz")) {
        fuzz::require(secret->size() >= 16 && secret->size() <= 256, "a secret of a refused length was accepted");
        for (char c : *secret)
            fuzz::require(c > ' ' && c <= '~', "a secret with a space or control byte was accepted");
    }
    return 0;
}
