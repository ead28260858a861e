// How far each channel has gone, as a UUN says it (the h= tag) and as the
// milter hands it to the updater in the trigger file: "av:3,sys:12",
// channels ascending, each channel_seq decimal without leading zeros, so one
// set of heads has one spelling and the signature covers exactly that.
// Callers: uun_header (sign, parse), uun-milter (trigger), uun-updater.
#pragma once

#include "lib/util/result.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace uun::proto {

// A UUN names the heads of the appliance's own channels; a bound on the
// header's size (1024 bytes with 64-character channel names).
inline constexpr std::size_t max_uun_heads = 8;

using channel_heads = std::map<std::string, std::uint64_t, std::less<>>;

std::string format_channel_heads(const channel_heads& heads);
// Refuses another spelling, a bad channel name, a zero, or over max_uun_heads.
result<channel_heads> parse_channel_heads(std::string_view text);

}  // namespace uun::proto
