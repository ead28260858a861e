// Range headers for payload downloads: one range honoured, an unsatisfiable
// one refused, anything we do not support answered with the whole payload.
#include "server/daemon/byte_range.hpp"

#include <doctest/doctest.h>

using namespace uun::daemon;

TEST_CASE("Range headers choose the whole payload, one part, or a 416")
{
    constexpr std::uint64_t size = 1000;
    struct row {
        const char* label;
        const char* header;
        range_choice want;
    };
    const row rows[] = {
        {"no header", "", {range_kind::whole, 0, size}},
        {"from an offset to the end", "bytes=100-", {range_kind::partial, 100, 900}},
        {"a closed range", "bytes=0-99", {range_kind::partial, 0, 100}},
        {"one byte", "bytes=5-5", {range_kind::partial, 5, 1}},
        {"last byte", "bytes=999-999", {range_kind::partial, 999, 1}},
        {"end past the size is clipped", "bytes=900-5000", {range_kind::partial, 900, 100}},
        {"suffix", "bytes=-10", {range_kind::partial, 990, 10}},
        {"suffix longer than the payload", "bytes=-5000", {range_kind::partial, 0, size}},
        {"white space around", "bytes = 10 - 19 ", {range_kind::partial, 10, 10}},
        {"unit in capitals", "BYTES=0-0", {range_kind::partial, 0, 1}},
        {"huge end saturates", "bytes=1-99999999999999999999999", {range_kind::partial, 1, 999}},
        {"start at the size", "bytes=1000-", {range_kind::unsatisfiable, 0, 0}},
        {"start past the size", "bytes=5000-6000", {range_kind::unsatisfiable, 0, 0}},
        {"huge start", "bytes=99999999999999999999999-", {range_kind::unsatisfiable, 0, 0}},
        {"empty suffix", "bytes=-0", {range_kind::unsatisfiable, 0, 0}},
        {"end before start is ignored", "bytes=50-10", {range_kind::whole, 0, size}},
        {"several ranges get the whole", "bytes=0-1,5-6", {range_kind::whole, 0, size}},
        {"other unit", "items=0-1", {range_kind::whole, 0, size}},
        {"no dash", "bytes=10", {range_kind::whole, 0, size}},
        {"letters", "bytes=a-b", {range_kind::whole, 0, size}},
        {"negative start", "bytes=--5", {range_kind::whole, 0, size}},
        {"only a dash", "bytes=-", {range_kind::whole, 0, size}},
        {"no equals sign", "bytes 0-1", {range_kind::whole, 0, size}},
    };
    for (const auto& r : rows) {
        auto got = choose_byte_range(r.header, size);
        INFO(std::string(r.label), " (", std::string(r.header), "): got kind ", static_cast<int>(got.kind), " first ",
             got.first, " length ", got.length, ", want kind ", static_cast<int>(r.want.kind), " first ", r.want.first,
             " length ", r.want.length);
        CHECK(got == r.want);
    }
}

TEST_CASE("Content-Range names the part sent, or the size for a 416")
{
    CHECK(content_range({range_kind::partial, 0, 100}, 1000) == "bytes 0-99/1000");
    CHECK(content_range({range_kind::partial, 999, 1}, 1000) == "bytes 999-999/1000");
    CHECK(content_range({range_kind::unsatisfiable, 0, 0}, 1000) == "bytes */1000");
}
