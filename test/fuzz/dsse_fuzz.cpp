// libFuzzer harness: a DSSE envelope as the updater gets it in a poll answer
// (JSON from the server, which need not be trusted). Verifying must never
// crash; an envelope that opens must re-sign and verify with the same
// payload, and adding a signature must leave one that verifies.
#include "lib/proto/dsse.hpp"
#include "lib/util/json_input.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

using namespace uun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto json = parse_json_input(fuzz::as_text(data, size), 2 * proto::max_envelope_payload_bytes);
    if (!json)
        return 0;
    const auto& ring = fuzz::publisher_ring();
    auto one = proto::dsse_verify(*json, proto::update_payload_type, ring);
    auto two = proto::dsse_verify_threshold(*json, proto::update_payload_type, ring, 2);
    fuzz::require(!two, "two signatures counted from a ring of one key");
    auto payload = proto::dsse_unverified_payload(*json, proto::update_payload_type);
    if (one)
        fuzz::require(payload && *payload == one->payload, "the verified payload is not the envelope's");
    if (!payload)
        return 0;

    auto resigned = proto::dsse_sign(proto::update_payload_type, *payload, fuzz::key(fuzz::fixed_key::publisher));
    auto checked = proto::dsse_verify(resigned, proto::update_payload_type, ring);
    fuzz::require(checked && checked->payload == *payload, "a re-signed envelope does not verify");

    auto added = *json;
    if (proto::dsse_add_signature(added, proto::update_payload_type, fuzz::key(fuzz::fixed_key::publisher))) {
        auto verified = proto::dsse_verify(added, proto::update_payload_type, ring);
        fuzz::require(verified && verified->payload == *payload, "an added signature does not verify");
    }
    return 0;
}
