// libFuzzer harness: a trigger file's name (anything in the spool directory)
// and its content (the heads= line the updater reads). Neither may crash;
// a name that parses must be uun-<seq>-<nonce> for its seq, and a heads line
// that parses must be the one spelling format_channel_heads gives.
#include "lib/proto/channel_heads.hpp"
#include "lib/proto/trigger_name.hpp"
#include "milter/updater/trigger_spool.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

using namespace uun;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text = fuzz::as_text(data, size);
    if (auto seq = proto::parse_trigger_name(text)) {
        std::string_view nonce = text.substr(text.size() - proto::trigger_nonce_length);
        auto again = proto::parse_trigger_name(proto::trigger_name(*seq, nonce));
        fuzz::require(again && *again == *seq, "trigger_name of a parsed name does not parse to its seq");
    }
    if (auto heads = updater::trigger_heads_line(text); heads && *heads) {
        fuzz::require(text.find("heads=" + proto::format_channel_heads(**heads)) != std::string_view::npos,
                      "a parsed heads line is not the canonical spelling of its heads");
    }
    return 0;
}
