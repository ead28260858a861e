// Header parsing the transport relies on: Retry-After, Content-Range and the
// JSON content type, plus the size limit of a buffered answer.
#include "milter/updater/transport.hpp"

#include <doctest/doctest.h>

using namespace uun::updater;

TEST_CASE("Retry-After as seconds or as a date")
{
    const std::int64_t now = 1'784'000'000;  // 2026-07-14 03:33:20 UTC
    struct row {
        const char* label;
        const char* value;
        std::optional<std::int64_t> want;
    };
    const row rows[] = {
        {"seconds", "120", 120},
        {"zero", "0", 0},
        {"white space", "  30 ", 30},
        {"date in the future", "Tue, 14 Jul 2026 03:43:20 GMT", 600},
        {"date in the past", "Tue, 14 Jul 2026 03:00:00 GMT", 0},
        {"huge number is bounded", "99999999999999999", 1ll << 40},
        {"negative", "-5", std::nullopt},
        {"words", "soon", std::nullopt},
        {"empty", "", std::nullopt},
    };
    for (const auto& r : rows) {
        auto got = parse_retry_after(r.value, now);
        INFO(std::string(r.label), ": got ", got ? std::to_string(got->count()) : "none");
        CHECK(got.has_value() == r.want.has_value());
        if (got && r.want)
            CHECK(got->count() == *r.want);
    }
}

TEST_CASE("Content-Range")
{
    struct row {
        const char* label;
        const char* value;
        bool ok;
        std::uint64_t first, last, total;
    };
    const row rows[] = {
        {"whole range", "bytes 0-99/100", true, 0, 99, 100},
        {"tail", "bytes 40-99/100", true, 40, 99, 100},
        {"unknown total", "bytes 0-99/*", false, 0, 0, 0},
        {"unsatisfied", "bytes */100", false, 0, 0, 0},
        {"last past total", "bytes 0-100/100", false, 0, 0, 0},
        {"first after last", "bytes 50-40/100", false, 0, 0, 0},
        {"other unit", "items 0-1/2", false, 0, 0, 0},
        {"garbage", "bytes x-y/z", false, 0, 0, 0},
        {"empty", "", false, 0, 0, 0},
    };
    for (const auto& r : rows) {
        auto got = parse_content_range(r.value);
        INFO(std::string(r.label));
        REQUIRE(got.has_value() == r.ok);
        if (got) {
            CHECK(got->first == r.first);
            CHECK(got->last == r.last);
            CHECK(got->total == r.total);
        }
    }
}

TEST_CASE("JSON content types")
{
    CHECK(is_json_content_type("application/json"));
    CHECK(is_json_content_type("Application/JSON; charset=utf-8"));
    CHECK_FALSE(is_json_content_type("text/html"));
    CHECK_FALSE(is_json_content_type("application/jsonp"));
    CHECK_FALSE(is_json_content_type(""));
}

TEST_CASE("a buffered answer is refused past its limit, announced or not")
{
    buffer_sink announced(100);
    response_head head;
    head.status = 200;
    head.content_length = 101;
    CHECK_FALSE(announced.on_head(head));

    buffer_sink streamed(100);
    head.content_length.reset();
    REQUIRE(streamed.on_head(head));
    CHECK(streamed.on_body(std::string(60, 'a')));
    CHECK(streamed.on_body(std::string(40, 'a')));
    CHECK_FALSE(streamed.on_body("a"));
    CHECK(streamed.body().size() == 100);
}

TEST_CASE("a server's error answer becomes one printable line")
{
    struct row {
        const char* label;
        long status;
        std::string body;
        const char* want;
    };
    const row rows[] = {
        {"API error", 503, R"({"error": "over limits.max_pending"})", "the server answered HTTP 503: over limits.max_pending"},
        {"HTML from a proxy", 502, "<h1>Bad\nGateway</h1>", "the server answered HTTP 502: <h1>Bad Gateway</h1>"},
        {"empty", 500, "", "the server answered HTTP 500"},
        {"control bytes", 500, "a\x1b[31mb", "the server answered HTTP 500: a?[31mb"},
    };
    for (const auto& r : rows) {
        auto got = describe_error_answer(r.status, r.body);
        INFO(std::string(r.label), ": got ", got);
        CHECK(got == r.want);
    }
}
