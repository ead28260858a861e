// The value every expected failure travels in (bad peer, bad config, hostile
// input): a message an operator understands. Broken internal invariants do
// not use this; they abort.
#pragma once

#include <expected>
#include <sstream>
#include <string>
#include <utility>

namespace uun {

struct error {
    std::string message;
};

template <class T>
using result = std::expected<T, error>;

inline std::unexpected<error> fail(std::string message)
{
    return std::unexpected(error{std::move(message)});
}

// Builds a message from pieces: cat("seq ", 42, " refused").
template <class... Parts>
std::string cat(const Parts&... parts)
{
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

}  // namespace uun
