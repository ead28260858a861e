// The heads list (see header). Parsing is strict because the text is signed:
// a second spelling of the same heads would be a second signed message.
#include "lib/proto/channel_heads.hpp"

#include "lib/proto/uun_header.hpp"

#include <charconv>

namespace uun::proto {

std::string format_channel_heads(const channel_heads& heads)
{
    std::string out;
    for (const auto& [channel, seq] : heads)
        out += cat(out.empty() ? "" : ",", channel, ":", seq);
    return out;
}

result<channel_heads> parse_channel_heads(std::string_view text)
{
    channel_heads heads;
    if (text.empty())
        return fail("empty heads");
    std::string_view previous;
    while (!text.empty()) {
        auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (comma != std::string_view::npos && text.empty())
            return fail("heads end with ','");
        auto colon = item.find(':');
        if (colon == std::string_view::npos)
            return fail("a head without ':'");
        std::string_view channel = item.substr(0, colon), number = item.substr(colon + 1);
        if (!is_valid_channel_name(channel))
            return fail("a head with a bad channel name");
        if (!previous.empty() && channel <= previous)
            return fail("heads not in ascending channel order");
        std::uint64_t seq = 0;
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seq);
        if (number.empty() || number.front() == '0' || ec != std::errc() || end != number.data() + number.size())
            return fail("a head whose channel_seq is not a decimal from 1");
        if (heads.size() >= max_uun_heads)
            return fail(cat("more than ", max_uun_heads, " heads"));
        heads.emplace(std::string(channel), seq);
        previous = channel;
    }
    return heads;
}

}  // namespace uun::proto
