// The publisher counters file: what it writes reads back the same, and a
// file that is not exactly that form is refused rather than restarting the seq.
#include "server/publish/counters.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

using namespace uun;
using namespace uun::publish;

TEST_CASE("publisher counters round-trip, with and without a pending entry")
{
    const publisher_counters rows[] = {
        {0, {}, std::nullopt},
        {7, {{"av", 3}, {"sys", 4}}, std::nullopt},
        {8, {{"av", 4}}, pending_entry{8, "av", 4, "{\"payload\":\"x\"}"}},
    };
    test::scratch_dir dir;
    for (const auto& want : rows) {
        auto parsed = parse_counters(counters_json(want));
        REQUIRE(parsed);
        CHECK(*parsed == want);
        REQUIRE(save_counters(dir.file("c.json"), want));
        auto loaded = load_counters(dir.file("c.json"));
        REQUIRE(loaded);
        CHECK(*loaded == std::optional<publisher_counters>(want));
    }
    auto missing = load_counters(dir.file("none.json"));
    REQUIRE(missing);
    CHECK_FALSE(*missing);
}

TEST_CASE("a counters file not of the expected form is refused with what is wrong")
{
    struct row {
        const char* label;
        const char* text;
        const char* want;
    };
    const row rows[] = {
        {"not JSON", "{", ""},
        {"not an object", "[1]", "not a JSON object"},
        {"seq missing", "{\"channels\": {}}", "'seq' must be a number from 0"},
        {"seq negative", "{\"seq\": -1, \"channels\": {}}", "'seq' must be a number from 0"},
        {"seq a string", "{\"seq\": \"5\", \"channels\": {}}", "'seq' must be a number from 0"},
        {"channels missing", "{\"seq\": 5}", "'channels' must be an object"},
        {"bad channel name", "{\"seq\": 5, \"channels\": {\"A V\": 1}}", "must be a channel name"},
        {"unknown key", "{\"seq\": 5, \"channels\": {}, \"next\": 6}", "unknown key 'next'"},
        {"pending without envelope", "{\"seq\": 5, \"channels\": {}, \"pending\": {\"seq\": 5, \"channel\": \"av\", "
                                     "\"channel_seq\": 0}}",
         "pending needs 'channel' and 'envelope' strings"},
        {"pending seq 0", "{\"seq\": 5, \"channels\": {}, \"pending\": {\"seq\": 0, \"channel\": \"av\", "
                          "\"channel_seq\": 0, \"envelope\": \"{}\"}}",
         "pending needs a seq from 1"},
    };
    for (const auto& r : rows) {
        auto got = parse_counters(r.text);
        INFO(r.label);
        REQUIRE_FALSE(got);
        CHECK(got.error().message.find(r.want) != std::string::npos);
    }
}
