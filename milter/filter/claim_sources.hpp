// Where a UUN tag list may travel besides the X-UUN header, behind config
// switches that are off by default: after a "[UUN]" marker at the start of
// the Subject, and on a "UUN-Token:" line in the body of a mail whose Subject
// carries the marker. Pure functions on hostile text; called by the session.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace uun::filter {

inline constexpr std::string_view subject_marker = "[UUN]";
inline constexpr std::string_view body_token_name = "UUN-Token:";

// The text after the marker (white space trimmed, possibly empty), or nullopt
// when the Subject does not start with the marker.
std::optional<std::string_view> subject_claim(std::string_view subject);

struct body_tokens {
    std::size_t count = 0;        // lines starting with "UUN-Token:"
    std::string_view first;       // value of the first one, white space trimmed
};

// Scans body text (CRLF or LF lines) for "UUN-Token:" lines.
body_tokens find_body_tokens(std::string_view body);

bool equals_ignoring_case(std::string_view a, std::string_view b);

}  // namespace uun::filter
