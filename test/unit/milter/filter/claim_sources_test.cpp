// The variants' text scanning: the Subject marker and UUN-Token body lines.
#include "milter/filter/claim_sources.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uun::filter;

TEST_CASE("the subject marker must start the Subject")
{
    struct row {
        const char* label;
        const char* subject;
        bool marked;
        const char* claim;
    };
    const row rows[] = {
        {"marker and tag list", "[UUN] v=1; k=x", true, "v=1; k=x"},
        {"leading white space", "  [UUN]\tv=1", true, "v=1"},
        {"folded after the marker", "[UUN]\n\tv=1; k=x", true, "v=1; k=x"},
        {"marker only", "[UUN]", true, ""},
        {"marker and words", "[UUN] urgent update", true, "urgent update"},
        {"marker later in the subject", "Re: [UUN] v=1", false, ""},
        {"lower case is not the marker", "[uun] v=1", false, ""},
        {"ordinary subject", "Lunch?", false, ""},
        {"empty", "", false, ""},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        auto got = subject_claim(r.subject);
        CHECK(got.has_value() == r.marked);
        if (got)
            CHECK(std::string(*got) == r.claim);
    }
}

TEST_CASE("UUN-Token lines are counted and the first value is taken")
{
    struct row {
        const char* label;
        const char* body;
        std::size_t count;
        const char* first;
    };
    const row rows[] = {
        {"one CRLF line", "Hello\r\nUUN-Token: v=1; k=x\r\nBye\r\n", 1, "v=1; k=x"},
        {"LF only, no final newline", "UUN-Token:v=1", 1, "v=1"},
        {"case of the name ignored", "uun-token: v=1\r\n", 1, "v=1"},
        {"two lines", "UUN-Token: a\r\nUUN-Token: b\r\n", 2, "a"},
        {"not at line start", "x UUN-Token: a\r\n", 0, ""},
        {"no token", "just text\r\n", 0, ""},
        {"empty body", "", 0, ""},
        {"name without colon", "UUN-Token v=1\r\n", 0, ""},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        auto got = find_body_tokens(r.body);
        CHECK(got.count == r.count);
        CHECK(std::string(got.first) == r.first);
    }
}

TEST_CASE("header names compare without case")
{
    CHECK(equals_ignoring_case("X-UUN", "x-uun"));
    CHECK(equals_ignoring_case("Subject", "SUBJECT"));
    CHECK_FALSE(equals_ignoring_case("X-UUN", "X-UUNX"));
    CHECK_FALSE(equals_ignoring_case("X-UUN", "X_UUN"));
}
