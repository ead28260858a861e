// libFuzzer harness: the heads list of a UUN's h= tag and of a trigger file
// ("av:3,sys:12"). It is signed, so it has one spelling: whatever parses must
// format back to exactly the input, within the limits.
#include "lib/proto/channel_heads.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

using namespace uun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text = fuzz::as_text(data, size);
    auto heads = proto::parse_channel_heads(text);
    if (!heads)
        return 0;
    fuzz::require(!heads->empty() && heads->size() <= proto::max_uun_heads, "heads outside the limits");
    for (const auto& [channel, seq] : *heads)
        fuzz::require(seq >= 1, "a head of 0");
    fuzz::require(proto::format_channel_heads(*heads) == text, "heads with a second spelling");
    return 0;
}
