// base64 codecs, durations and sizes, bounded JSON input.
#include "lib/util/base64.hpp"
#include "lib/util/json_input.hpp"
#include "lib/util/units.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uun;

TEST_CASE("base64 round trips every length and rejects non-canonical text")
{
    std::string bytes;
    for (int i = 0; i < 70; ++i) {
        auto enc = base64_encode(bytes);
        auto dec = base64_decode(enc);
        REQUIRE(dec);
        CHECK(*dec == bytes);
        auto url = base64url_encode(bytes);
        CHECK(url.find_first_of("+/=") == std::string::npos);
        auto udec = base64url_decode(url);
        REQUIRE(udec);
        CHECK(*udec == bytes);
        bytes.push_back(static_cast<char>(i * 37 + 250));
    }
    struct row {
        const char* label;
        const char* text;
    };
    const row bad[] = {
        {"length not a multiple of 4", "QUJD="},
        {"white space", "QU JD"},
        {"stray character", "QU*D"},
        {"padding in the middle", "QQ==QUJD"},
        {"unused bits set", "QR=="},
        {"three padding characters", "Q==="},
    };
    for (const auto& r : bad) {
        INFO(std::string(r.label));
        CHECK_FALSE(base64_decode(r.text));
    }
    CHECK_FALSE(base64url_decode("ab+c"));
    CHECK_FALSE(base64url_decode("abc="));
    CHECK_FALSE(base64url_decode("a"));
}

TEST_CASE("durations and sizes as operators write them")
{
    struct drow {
        const char* text;
        long long want;  // -1: refused
    };
    const drow durations[] = {
        {"90", 90}, {"30s", 30}, {"15m", 900}, {"24h", 86400}, {"7d", 604800}, {"1h30m", 5400}, {"2w", 1209600},
        {"", -1},   {"h", -1},   {"1h30", -1}, {"-5s", -1},    {"5y", -1},     {"99999999999999999999", -1},
    };
    for (const auto& r : durations) {
        auto got = parse_duration(r.text);
        INFO("duration '", std::string(r.text), "'");
        if (r.want < 0)
            CHECK_FALSE(got);
        else {
            REQUIRE(got);
            CHECK(got->count() == r.want);
        }
    }
    CHECK(parse_size("65536") == 65536u);
    CHECK(parse_size("64KiB") == 65536u);
    CHECK(parse_size("10MiB") == 10u << 20);
    CHECK(parse_size("1G") == 1u << 30);
    CHECK_FALSE(parse_size("ten"));
    CHECK_FALSE(parse_size("5 MiB"));
    CHECK_FALSE(parse_size("99999999999999999999G"));
    CHECK(format_duration(std::chrono::seconds(86400)) == "1d");
    CHECK(format_duration(std::chrono::seconds(90)) == "90s");
}

TEST_CASE("JSON input is bounded in size and depth")
{
    CHECK(parse_json_input(R"({"a":[1,2,{"b":"[[[["}]})", 1000));
    CHECK_FALSE(parse_json_input(std::string(200, '['), 1000));
    CHECK_FALSE(parse_json_input(R"({"a":1})", 3));
    CHECK_FALSE(parse_json_input("{\"a\":", 1000));
    CHECK_FALSE(parse_json_input("<html>", 1000));
    auto deep = std::string(16, '[') + std::string(16, ']');
    CHECK(parse_json_input(deep, 1000));
    auto deeper = std::string(17, '[') + std::string(17, ']');
    CHECK_FALSE(parse_json_input(deeper, 1000));
}
