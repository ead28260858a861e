// Random sources for jitter (see header).
#include "milter/updater/random_source.hpp"

#include "lib/util/random.hpp"

#include <cstdlib>
#include <cstring>

namespace uun::updater {

std::int64_t random_source::uniform(std::int64_t low, std::int64_t high)
{
    if (low > high)
        std::abort();  // a caller computed a negative range: our bug
    auto span = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
    if (span == std::numeric_limits<std::uint64_t>::max())
        return static_cast<std::int64_t>(next());
    std::uint64_t range = span + 1;
    // Reject the top partial block so every value is equally likely.
    std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % range;
    std::uint64_t r;
    do
        r = next();
    while (r >= limit);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + r % range);
}

std::uint64_t csprng_source::next()
{
    std::string bytes = random_bytes(sizeof(std::uint64_t));
    std::uint64_t out = 0;
    std::memcpy(&out, bytes.data(), sizeof out);
    return out;
}

}  // namespace uun::updater
