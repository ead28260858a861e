// The milter's optional variants (subject_marker, body_token), driven like
// session_test.cpp through session_world.hpp: where the tag list is looked
// for, when the body is read, and what each finding decides.
#include "test/unit/milter/filter/session_world.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uun;
using namespace uun::filter;
using namespace uun::filter::session_world;

TEST_CASE("subject marker variant: the tag list after [UUN] is checked like X-UUN")
{
    auto subject_only = [](milter_config& c) { c.subject_marker = true; };
    {
        world w(subject_only);
        session s(*w.context);
        auto got = deliver(s, {{"Subject", "[UUN] " + w.uun(5)}});
        CHECK(got.at_end_of_headers == step::discard);
        CHECK(w.triggers().size() == 1);
    }
    {
        world w(subject_only);
        session s(*w.context);
        auto got = deliver(s, {{"Subject", "[UUN] urgent update"}});
        CHECK(got.at_end_of_headers == step::reject);
        REQUIRE(got.replies.size() == 1);
        CHECK(got.replies[0].starts_with("550 5.7.1 Invalid UUN in Subject:"));
        CHECK(deliver(s, {{"Subject", "ordinary"}}).at_end_of_headers == step::accept);
        CHECK(w.triggers().empty());
    }
    {
        world w(subject_only);
        session s(*w.context);
        // The X-UUN header wins over the subject.
        auto got = deliver(s, {{"Subject", "[UUN] junk"}, {"X-UUN", w.uun(6)}});
        CHECK(got.at_end_of_headers == step::discard);
        CHECK(w.triggers().size() == 1);
    }
}

TEST_CASE("body token variant: only [UUN] mail has its body read")
{
    auto body_only = [](milter_config& c) {
        c.body_token = true;
        c.max_body_bytes = 1024;
    };
    {
        world w(body_only);
        session s(*w.context);
        auto normal = deliver(s, {{"Subject", "ordinary"}});
        CHECK(normal.at_end_of_headers == step::accept);
    }
    {
        world w(body_only);
        session s(*w.context);
        auto got = deliver(s, {{"Subject", "[UUN] urgent update"}}, "Hello\r\nUUN-Token: " + w.uun(9) + "\r\n");
        CHECK(got.at_end_of_headers == step::next);
        CHECK(got.final_step == step::discard);
        CHECK(w.triggers().size() == 1);
    }
    {
        world w(body_only);
        session s(*w.context);
        auto forged = w.uun(9);
        forged.replace(forged.find("s=9"), 3, "s=8");
        auto got = deliver(s, {{"Subject", "[UUN]"}}, "UUN-Token: " + forged + "\r\n");
        CHECK(got.final_step == step::reject);
        REQUIRE(got.replies.size() == 1);
        CHECK(got.replies[0] == "550 5.7.1 Invalid UUN in UUN-Token line: signature does not verify");
    }
    {
        world w(body_only);
        session s(*w.context);
        auto none = deliver(s, {{"Subject", "[UUN]"}}, "no token here\r\n");
        CHECK(none.final_step == step::reject);
        REQUIRE(none.replies.size() == 1);
        CHECK(none.replies[0].find("no UUN-Token line in the first 1024 bytes") != std::string::npos);
        auto two = deliver(s, {{"Subject", "[UUN]"}},
                           "UUN-Token: " + w.uun(1) + "\r\nUUN-Token: " + w.uun(2) + "\r\n");
        CHECK(two.final_step == step::reject);
        REQUIRE(two.replies.size() == 1);
        CHECK(two.replies[0].find("more than one UUN-Token line") != std::string::npos);
        // A token past the body limit is never seen: the rest is skipped.
        auto late = deliver(s, {{"Subject", "[UUN]"}}, std::string(2000, 'x') + "\r\nUUN-Token: " + w.uun(3) + "\r\n");
        CHECK(late.final_step == step::reject);
        CHECK(w.triggers().empty());
    }
    {
        world w(body_only);
        session s(*w.context);
        recorder mta;
        s.header("Subject", "[UUN]");
        REQUIRE(s.end_of_headers(mta) == step::next);
        CHECK(s.reading_body());
        CHECK(s.body(std::string(1000, 'a')) == step::next);
        CHECK(s.body(std::string(1000, 'a')) == step::skip);  // limit reached
        s.reset();
        CHECK_FALSE(s.reading_body());
    }
}

TEST_CASE("with both variants on, a tag list in the subject is used, else the body")
{
    world w([](milter_config& c) {
        c.subject_marker = true;
        c.body_token = true;
    });
    session s(*w.context);
    auto in_subject = deliver(s, {{"Subject", "[UUN] " + w.uun(1)}});
    CHECK(in_subject.at_end_of_headers == step::discard);
    auto in_body = deliver(s, {{"Subject", "[UUN]"}}, "UUN-Token: " + w.uun(2) + "\r\n");
    CHECK(in_body.at_end_of_headers == step::next);
    CHECK(in_body.final_step == step::discard);
    auto words = deliver(s, {{"Subject", "[UUN] urgent update"}}, "UUN-Token: " + w.uun(3) + "\r\n");
    CHECK(words.at_end_of_headers == step::next);
    CHECK(words.final_step == step::discard);
    auto bad_tags = deliver(s, {{"Subject", "[UUN] v=1; junk"}}, "UUN-Token: " + w.uun(4) + "\r\n");
    CHECK(bad_tags.at_end_of_headers == step::reject);
    CHECK(w.triggers().size() == 3);
}
