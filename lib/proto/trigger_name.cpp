// Trigger names (see header). Names in the spool are treated as hostile:
// every byte is checked before the seq is converted.
#include "lib/proto/trigger_name.hpp"

#include "lib/util/result.hpp"

#include <algorithm>
#include <charconv>

namespace uun::proto {

namespace {

bool is_nonce_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

std::string trigger_name(std::uint64_t seq, std::string_view nonce)
{
    return cat(trigger_prefix, seq, "-", nonce);
}

std::optional<std::uint64_t> parse_trigger_name(std::string_view name)
{
    if (!name.starts_with(trigger_prefix))
        return std::nullopt;
    std::string_view rest = name.substr(trigger_prefix.size());
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
        ++digits;
    if (digits == 0 || digits > trigger_max_seq_digits || digits >= rest.size() || rest[digits] != '-')
        return std::nullopt;
    std::string_view nonce = rest.substr(digits + 1);
    if (nonce.size() != trigger_nonce_length || !std::all_of(nonce.begin(), nonce.end(), is_nonce_char))
        return std::nullopt;
    std::uint64_t seq = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + digits, seq);
    if (ec != std::errc() || end != rest.data() + digits)
        return std::nullopt;  // 20 digits can exceed 2^64
    return seq;
}

}  // namespace uun::proto
