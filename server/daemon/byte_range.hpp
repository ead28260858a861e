// The one byte range a payload download may ask for (RFC 9110 §14): which
// part of a payload of a given size to send. Caller: the payload handler.
// A header that does not parse is ignored (the whole payload is sent).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace uun::daemon {

enum class range_kind { whole, partial, unsatisfiable };

struct range_choice {
    range_kind kind = range_kind::whole;
    std::uint64_t first = 0;   // partial: first byte sent
    std::uint64_t length = 0;  // partial: bytes sent; whole: the size

    friend bool operator==(const range_choice&, const range_choice&) = default;
};

// header: the Range field value ("" when absent). Only "bytes=N-", "bytes=N-M"
// and "bytes=-N" are honoured; several ranges or other units get the whole.
range_choice choose_byte_range(std::string_view header, std::uint64_t size);

// "bytes 0-99/1000" for a partial answer, "bytes */1000" for a 416.
std::string content_range(const range_choice& choice, std::uint64_t size);

}  // namespace uun::daemon
