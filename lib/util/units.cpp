// Duration and size parsing (see header); overflow is a parse failure.
#include "lib/util/units.hpp"

#include <limits>

namespace uun {

std::optional<std::chrono::seconds> parse_duration(std::string_view text)
{
    if (text.empty() || text.size() > 32)
        return std::nullopt;
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t start = i;
        std::int64_t n = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (n > (std::numeric_limits<std::int64_t>::max() - 9) / 10)
                return std::nullopt;
            n = n * 10 + (text[i++] - '0');
        }
        if (i == start)
            return std::nullopt;
        std::int64_t unit = 1;
        if (i < text.size()) {
            switch (text[i++]) {
            case 's':
                unit = 1;
                break;
            case 'm':
                unit = 60;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'd':
                unit = 86400;
                break;
            case 'w':
                unit = 7 * 86400;
                break;
            default:
                return std::nullopt;
            }
        } else if (start != 0) {
            return std::nullopt;  // "1h30" is ambiguous
        }
        if (n > std::numeric_limits<std::int64_t>::max() / unit - total)
            return std::nullopt;
        total += n * unit;
    }
    return std::chrono::seconds(total);
}

std::optional<std::uint64_t> parse_size(std::string_view text)
{
    std::size_t i = 0;
    std::uint64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (n > (std::numeric_limits<std::uint64_t>::max() - 9) / 10)
            return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(text[i++] - '0');
    }
    if (i == 0)
        return std::nullopt;
    std::string_view unit = text.substr(i);
    std::uint64_t mult = 1;
    if (unit.empty() || unit == "B")
        mult = 1;
    else if (unit == "k" || unit == "K" || unit == "KB" || unit == "KiB")
        mult = 1ull << 10;
    else if (unit == "M" || unit == "MB" || unit == "MiB")
        mult = 1ull << 20;
    else if (unit == "G" || unit == "GB" || unit == "GiB")
        mult = 1ull << 30;
    else
        return std::nullopt;
    if (n > std::numeric_limits<std::uint64_t>::max() / mult)
        return std::nullopt;
    return n * mult;
}

std::string format_duration(std::chrono::seconds d)
{
    auto s = d.count();
    if (s != 0 && s % 86400 == 0)
        return std::to_string(s / 86400) + "d";
    if (s != 0 && s % 3600 == 0)
        return std::to_string(s / 3600) + "h";
    if (s != 0 && s % 60 == 0)
        return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
}

}  // namespace uun
