// libFuzzer harness: the timestamp statement the server signs and the
// updater judges. The bytes are tried as a payload (must survive
// timestamp_payload then parse) and as an envelope checked against the fixed
// root at the vectors' clock. Nothing may crash or overflow.
#include "lib/proto/timestamp_statement.hpp"
#include "lib/util/json_input.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

using namespace uun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text = fuzz::as_text(data, size);
    if (auto s = proto::parse_timestamp_payload(text)) {
        fuzz::require(s->issued < s->expires, "a statement that expires before it is issued");
        for (const auto& [channel, head] : s->heads)
            fuzz::require(head <= s->log_head && s->head_of(channel) == head, "a head above log_head");
        auto again = proto::parse_timestamp_payload(proto::timestamp_payload(*s));
        fuzz::require(again && *again == *s, "a statement does not survive timestamp_payload then parse");
    }
    auto envelope = parse_json_input(text, 64 * 1024);
    if (!envelope)
        return 0;
    (void)proto::verify_timestamp(fuzz::fixed_root(), *envelope, fuzz::fixed_now, fuzz::fixed_skew);
    return 0;
}
