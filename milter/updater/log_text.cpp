// Printable ASCII for logs and reports (see header).
#include "milter/updater/log_text.hpp"

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

}  // namespace uun::updater
