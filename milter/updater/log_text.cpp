// Printable ASCII for logs and reports (see header).
#include "milter/updater/log_text.hpp"

#include <ctime>

namespace uun::updater {

std::string printable(std::string_view text, std::size_t max_bytes)
{
    std::string out;
    out.reserve(std::min(text.size(), max_bytes) + 3);
    for (char c : text) {
        if (out.size() >= max_bytes) {
            out += "...";
            break;
        }
        out += (c >= ' ' && c <= '~') ? c : (c == '\n' || c == '\t' ? ' ' : '?');
    }
    return out;
}

std::string utc_text(std::int64_t unix_seconds)
{
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm {};
    char buf[32];
    if (::gmtime_r(&t, &tm) == nullptr || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return std::to_string(unix_seconds);
    return buf;
}

}  // namespace uun::updater
