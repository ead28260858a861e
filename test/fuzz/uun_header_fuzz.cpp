// libFuzzer harness: the X-UUN header value, as uun-milter gets it from any
// sender on the internet. Parse and check must never crash; a header that
// parses must format to one that parses to the same claim, and that claim
// signed by the fixed key must check valid. A broken property aborts.
#include "lib/proto/uun_header.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

using namespace uun;

namespace {

bool same_claim(const proto::uun_claim& a, const proto::uun_claim& b)
{
    return a.key_id == b.key_id && a.seq == b.seq && a.channel == b.channel && a.issued == b.issued &&
           a.expires == b.expires && a.nonce == b.nonce && a.heads == b.heads;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text = fuzz::as_text(data, size);
    auto check = proto::check_uun_header(text, fuzz::publisher_ring(), fuzz::fixed_now, fuzz::fixed_skew);
    auto parsed = proto::parse_uun_header(text);
    fuzz::require(parsed.has_value() == check.header.has_value(), "check and parse disagree on syntax");
    fuzz::require(parsed || check.verdict == proto::uun_verdict::malformed, "an unparsed header is not malformed");
    if (!parsed)
        return 0;
    (void)proto::to_string(check.verdict);

    std::string formatted = proto::format_uun_header(*parsed);
    auto again = proto::parse_uun_header(formatted);
    fuzz::require(again.has_value(), "a formatted header does not parse");
    fuzz::require(same_claim(again->claim, parsed->claim), "format then parse changes the claim");
    fuzz::require(again->signature == parsed->signature, "format then parse changes the signature");
    fuzz::require(proto::uun_canonical_form(again->claim) == proto::uun_canonical_form(parsed->claim),
                  "the canonical form is not stable");

    // The same claim, signed properly, is valid at its own issue time.
    auto signed_header = proto::sign_uun(parsed->claim, fuzz::key(fuzz::fixed_key::publisher));
    auto resigned = proto::check_uun_header(proto::format_uun_header(signed_header), fuzz::publisher_ring(),
                                            signed_header.claim.issued, fuzz::fixed_skew);
    fuzz::require(resigned.verdict == proto::uun_verdict::valid, "a freshly signed claim does not check valid");
    return 0;
}
