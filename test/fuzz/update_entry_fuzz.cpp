// libFuzzer harness: an update entry's JSON (the payload of a verified DSSE
// envelope; the publisher's bytes, but the updater must not trust a parser
// with them either) and target selectors. An entry that parses must give
// the same entry back from its payload; version order must be antisymmetric.
#include "lib/proto/update_entry.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

using namespace uun;

namespace {

int sign(int v)
{
    return (v > 0) - (v < 0);
}

void selectors(std::string_view text)
{
    auto list = proto::parse_target_list(text);
    if (!list)
        return;
    std::string joined;
    for (const auto& s : *list)
        joined += (joined.empty() ? "" : ",") + proto::to_string(s);
    auto again = proto::parse_target_list(joined);
    fuzz::require(again && *again == *list, "selectors do not survive to_string then parse");
    proto::appliance_facts facts{"gw-0001", "mg-5000", "3.10.2"};
    (void)proto::target_matches(*list, facts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text = fuzz::as_text(data, size);
    if (auto entry = proto::update_entry_from_json(text)) {
        auto again = proto::update_entry_from_json(proto::entry_payload(*entry));
        fuzz::require(again && *again == *entry, "an entry does not survive entry_payload then parse");
        (void)proto::is_plain_file_name(entry->name);
    }
    if (size <= 1024) {
        selectors(text);
        auto newline = text.find('\n');
        std::string_view a = text.substr(0, newline);
        std::string_view b = newline == std::string_view::npos ? "3.10" : text.substr(newline + 1);
        fuzz::require(sign(proto::compare_versions(a, b)) == -sign(proto::compare_versions(b, a)),
                      "compare_versions is not antisymmetric");
        fuzz::require(proto::compare_versions(a, a) == 0, "a version differs from itself");
    }
    return 0;
}
