// Range header parsing (see header). Numbers saturate instead of overflowing,
// so a 30-digit position is simply past the end.
#include "server/daemon/byte_range.hpp"

#include "lib/util/result.hpp"

#include <limits>
#include <optional>

namespace uun::daemon {

namespace {

constexpr std::uint64_t saturated = std::numeric_limits<std::uint64_t>::max();

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Digits only; empty or anything else is nullopt.
std::optional<std::uint64_t> parse_position(std::string_view s)
{
    if (s.empty())
        return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;
        unsigned digit = static_cast<unsigned>(c - '0');
        v = v > (saturated - digit) / 10 ? saturated : v * 10 + digit;
    }
    return v;
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
        if (x != b[i])
            return false;
    }
    return true;
}

}  // namespace

range_choice choose_byte_range(std::string_view header, std::uint64_t size)
{
    const range_choice whole{range_kind::whole, 0, size};
    const range_choice unsatisfiable{range_kind::unsatisfiable, 0, 0};
    auto eq = header.find('=');
    if (header.empty() || eq == std::string_view::npos || !iequals(trim(header.substr(0, eq)), "bytes"))
        return whole;
    auto spec = trim(header.substr(eq + 1));
    if (spec.find(',') != std::string_view::npos)
        return whole;
    auto dash = spec.find('-');
    if (dash == std::string_view::npos)
        return whole;
    auto first_text = trim(spec.substr(0, dash));
    auto last_text = trim(spec.substr(dash + 1));

    if (first_text.empty()) {  // suffix: the last N bytes
        auto n = parse_position(last_text);
        if (!n)
            return whole;
        if (*n == 0 || size == 0)
            return unsatisfiable;
        std::uint64_t length = *n < size ? *n : size;
        return {range_kind::partial, size - length, length};
    }
    auto first = parse_position(first_text);
    if (!first)
        return whole;
    std::uint64_t last = saturated;
    if (!last_text.empty()) {
        auto l = parse_position(last_text);
        if (!l || *l < *first)
            return whole;
        last = *l;
    }
    if (*first >= size)
        return unsatisfiable;
    if (last >= size)
        last = size - 1;
    return {range_kind::partial, *first, last - *first + 1};
}

std::string content_range(const range_choice& choice, std::uint64_t size)
{
    if (choice.kind != range_kind::partial)
        return cat("bytes */", size);
    return cat("bytes ", choice.first, "-", choice.first + choice.length - 1, "/", size);
}

}  // namespace uun::daemon
