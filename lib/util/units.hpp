// Durations ("90", "30s", "1h30m", "7d") and sizes ("65536", "64KiB", "10MiB")
// as operators write them in config files.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uun {

std::optional<std::chrono::seconds> parse_duration(std::string_view text);
std::optional<std::uint64_t> parse_size(std::string_view text);
std::string format_duration(std::chrono::seconds d);

}  // namespace uun
