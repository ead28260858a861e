// Subject marker and body token scanning (see header). No allocation: the
// results are views into the caller's text.
#include "milter/filter/claim_sources.hpp"

namespace uun::filter {

namespace {

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool equals_ignoring_case(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

std::optional<std::string_view> subject_claim(std::string_view subject)
{
    subject = trim(subject);
    if (!subject.starts_with(subject_marker))
        return std::nullopt;
    return trim(subject.substr(subject_marker.size()));
}

body_tokens find_body_tokens(std::string_view body)
{
    body_tokens out;
    while (!body.empty()) {
        auto end = body.find('\n');
        std::string_view line = body.substr(0, end);
        body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
        if (line.size() >= body_token_name.size() &&
            equals_ignoring_case(line.substr(0, body_token_name.size()), body_token_name)) {
            if (out.count++ == 0)
                out.first = trim(line.substr(body_token_name.size()));
        }
    }
    return out;
}

}  // namespace uun::filter
