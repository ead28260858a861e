// Entry processing against a fake server (world.hpp): what the poll says,
// which entries are refused, how last_seq moves (only to signed, handled
// entries), paging, and that garbage or busy answers install nothing. The
// install itself (hooks, crash repair, resumed downloads, reports) is in
// poll_cycle_install_test.cpp. All in a scratch dir.
#include "test/unit/milter/updater/world.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace uun;
using namespace uun::updater;
using uun::proto::poll_reason;
using uun::proto::report_status;
using uun::test::canned_response;
using uun::test::world;

TEST_CASE("the poll request says who the appliance is")
{
    world w;
    auto s = w.service();
    s->poll(poll_reason::periodic);
    REQUIRE(w.server.polls.size() == 1);
    const auto& p = w.server.polls[0];
    CHECK(p.at("id") == "gw-1");
    CHECK(p.at("product") == "mg-5000");
    CHECK(p.at("version") == "3.2.1");
    CHECK(p.at("channels") == nlohmann::json::array({"av", "sys"}));
    CHECK(p.at("notify").at("recipient") == "uun@[127.0.4.1]");
    CHECK(p.at("notify").at("port") == 25);
    CHECK(p.at("last_seq") == 0);
    CHECK(p.at("reason") == "periodic");
    std::string token = p.at("token");
    CHECK(token.size() == 43);
    // The token is made once, kept 0600, and sent again by the next run.
    struct stat st {};
    REQUIRE(::stat(w.dir.file("state/token").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto again = w.service();
    again->poll(poll_reason::urgent);
    CHECK(w.server.polls.at(1).at("token") == token);
    CHECK(w.server.polls.at(1).at("reason") == "urgent");
}

TEST_CASE("entries that must not be installed")
{
    struct row {
        const char* label;
        std::function<void(world&)> setup;
        std::uint64_t want_last_seq;
        bool want_download;
        const char* want_report;  // "" when nothing is reported
    };
    const row rows[] = {
        {"signed by an unknown key",
         [](world& w) {
             auto other = *proto::private_key::generate();
             auto e = w.entry(1, "av", "bytes");
             w.server.envelopes[1] = w.sign(e, other);
             w.server.payloads[e.sha256] = "bytes";
         },
         0, false, ""},
        {"signature does not verify",
         [](world& w) {
             w.publish(1, "av", "bytes");
             auto e = w.entry(1, "av", "other bytes");
             w.server.envelopes[1]["payload"] = base64_encode(proto::entry_payload(e));
         },
         0, false, ""},
        {"signed, but the payload is not an entry",
         [](world& w) {
             w.server.envelopes[1] =
                 proto::dsse_sign(proto::update_payload_type, R"({"seq": 1, "channel": "av"})", w.key);
         },
         0, false, ""},
        {"wrong payload type",
         [](world& w) {
             auto e = w.entry(1, "av", "bytes");
             w.server.envelopes[1] = proto::dsse_sign("application/json", proto::entry_payload(e), w.key);
             w.server.payloads[e.sha256] = "bytes";
         },
         0, false, ""},
        {"channel not configured here", [](world& w) { w.publish(1, "web", "bytes"); }, 1, false, ""},
        {"target for another product", [](world& w) { w.publish(1, "av", "bytes", "product=mg-9000"); }, 1, false,
         ""},
        {"target for an older version", [](world& w) { w.publish(1, "av", "bytes", "version<3.0"); }, 1, false, ""},
        {"target for another appliance id", [](world& w) { w.publish(1, "av", "bytes", "id=gw-2"); }, 1, false, ""},
        {"larger than the channel's max_size",
         [](world& w) {
             w.channel("av").max_size = 4;
             w.publish(1, "av", "12345");
         },
         1, false, "failed"},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        world w;
        w.set_old_file("av", "old");
        r.setup(w);
        auto s = w.service();
        auto out = s->poll(poll_reason::periodic);
        CHECK(out.complete);
        CHECK(out.installed == 0);
        CHECK(test::slurp(w.file("av")) == "old");
        CHECK_FALSE(test::exists(w.dir.file("target/web.db")));
        CHECK(w.saved_last_seq() == r.want_last_seq);
        CHECK((w.server.count("/v1/payloads/") > 0) == r.want_download);
        if (*r.want_report == '\0') {
            CHECK(w.server.reports.empty());
        } else {
            REQUIRE(w.server.reports.size() == 1);
            CHECK(w.server.reports[0].at("status") == r.want_report);
            CHECK(w.server.reports[0].at("detail").get<std::string>().size() > 0);
        }
        CHECK(std::filesystem::is_empty(w.dir.file("state/partial")));
    }
}

TEST_CASE("an entry with an old seq is ignored")
{
    world w;
    w.set_old_file("av", "old");
    REQUIRE(w.store->prepare());
    REQUIRE(w.store->save({5, std::nullopt, std::nullopt, std::nullopt}));
    auto e = w.entry(3, "av", "replayed");
    auto envelope = w.sign(e, w.key);
    w.server.payloads[e.sha256] = "replayed";
    // A server that ignores last_seq and sends an old, validly signed entry.
    w.server.poll_script.push_back(
        {200, "application/json", nlohmann::json{{"entries", {envelope}}, {"more", false}}.dump(), "", ""});
    auto s = w.service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.complete);
    CHECK(test::slurp(w.file("av")) == "old");
    CHECK(w.saved_last_seq() == 5);
    CHECK(w.server.count("/v1/payloads/") == 0);
}

TEST_CASE("nothing unsigned moves last_seq: head_seq and a forged entry's seq are not trusted")
{
    world w;
    auto forged = w.entry(1000, "av", "freeze");
    auto other = *proto::private_key::generate();
    nlohmann::json answer = {{"entries", {w.sign(forged, other)}}, {"more", false}, {"head_seq", 1000000}};
    w.server.poll_script.push_back({200, "application/json", answer.dump(), "", ""});
    auto s = w.service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.complete);
    CHECK(out.problems == 1);
    CHECK(w.saved_last_seq() == 0);
    // The next poll still asks from 0, so a genuine seq 1 is installed.
    w.publish(1, "av", "genuine");
    s->poll(poll_reason::periodic);
    CHECK(w.server.polls.back().at("last_seq") == 0);
    CHECK(test::slurp(w.file("av")) == "genuine");
}

TEST_CASE("a refused entry does not block the valid ones after it")
{
    world w;
    auto other = *proto::private_key::generate();
    auto bad = w.entry(1, "av", "bad");
    w.server.envelopes[1] = w.sign(bad, other);
    w.publish(2, "sys", "good");
    auto s = w.service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.complete);
    CHECK(out.installed == 1);
    CHECK(test::slurp(w.file("sys")) == "good");
    CHECK_FALSE(test::exists(w.file("av")));
    CHECK(w.saved_last_seq() == 2);
}

TEST_CASE("entries are handled in seq order even when the answer is not")
{
    world w;
    std::string order = w.dir.file("order");
    w.channel("av").hook = {"/bin/sh", "-c", "echo $UUN_SEQ >> " + order};
    auto e1 = w.publish(1, "av", "one");
    auto e2 = w.publish(2, "av", "two");
    nlohmann::json answer = {{"entries", {w.server.envelopes[2], w.server.envelopes[1]}}, {"more", false}};
    w.server.poll_script.push_back({200, "application/json", answer.dump(), "", ""});
    auto s = w.service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.installed == 2);
    CHECK(test::slurp(order) == "1\n2\n");
    CHECK(test::slurp(w.file("av")) == "two");
}

TEST_CASE("more=true makes the updater poll again at once")
{
    world w;
    w.server.page_size = 2;
    for (std::uint64_t seq = 1; seq <= 5; ++seq)
        w.publish(seq, seq % 2 ? "av" : "sys", cat("bytes ", seq));
    auto s = w.service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.complete);
    CHECK(out.installed == 5);
    CHECK(w.server.count("/v1/poll") == 3);
    CHECK(w.saved_last_seq() == 5);
}

TEST_CASE("more=true with nothing new is a failure, not a loop")
{
    world w;
    for (int i = 0; i < 3; ++i)
        w.server.poll_script.push_back(
            {200, "application/json", R"({"entries": [], "more": true, "head_seq": 9})", "", ""});
    auto s = w.service();
    auto out = s->poll(poll_reason::periodic);
    CHECK_FALSE(out.complete);
    CHECK(w.server.count("/v1/poll") == 1);
}

TEST_CASE("garbage answers install nothing and keep last_seq")
{
    struct row {
        const char* label;
        canned_response answer;
    };
    const std::string big(2 << 20, ' ');
    const row rows[] = {
        {"HTML", {200, "text/html", "<html><body>Welcome to nginx!</body></html>", "", ""}},
        {"HTML labelled JSON", {200, "application/json", "<html><body>oops</body></html>", "", ""}},
        {"truncated JSON", {200, "application/json", R"({"entries": [{"payloadType": "applic)", "", ""}},
        {"empty body", {200, "application/json", "", "", ""}},
        {"500", {500, "application/json", R"({"error": "internal"})", "", ""}},
        {"502 from a proxy", {502, "text/html", "<h1>Bad Gateway</h1>", "", ""}},
        {"entries is a string", {200, "application/json", R"({"entries": "none", "more": false})", "", ""}},
        {"more is missing", {200, "application/json", R"({"entries": []})", "", ""}},
        {"more is a string", {200, "application/json", R"({"entries": [], "more": "no"})", "", ""}},
        {"poll_interval is a string",
         {200, "application/json", R"({"entries": [], "more": false, "poll_interval": "1d"})", "", ""}},
        {"head_seq negative", {200, "application/json", R"({"entries": [], "more": false, "head_seq": -1})", "", ""}},
        {"a list, not an object", {200, "application/json", "[1, 2, 3]", "", ""}},
        {"nested too deep", {200, "application/json", std::string(100, '[') + std::string(100, ']'), "", ""}},
        {"endless body", {200, "application/json", "{\"entries\": [" + big, "", ""}},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        world w;
        w.publish(1, "av", "bytes");
        w.drop_trigger(1);
        w.server.poll_script.push_back(r.answer);
        auto s = w.service();
        auto out = s->poll(poll_reason::urgent);
        CHECK_FALSE(out.complete);
        CHECK(out.problems > 0);
        CHECK_FALSE(test::exists(w.file("av")));
        CHECK(w.saved_last_seq() == 0);
        CHECK(w.trigger_count() == 1);
        CHECK(w.server.count("/v1/payloads/") == 0);
        CHECK(s->schedule().failures() == 1);
        CHECK(s->schedule().not_before() > w.clock.now());
    }
}

TEST_CASE("503 with Retry-After holds the next poll back")
{
    world w;
    w.server.poll_script.push_back({503, "application/json", R"({"error": "busy"})", "600", ""});
    auto s = w.service();
    auto out = s->poll(poll_reason::urgent);
    CHECK_FALSE(out.complete);
    REQUIRE(out.retry_after);
    CHECK(out.retry_after->count() == 600);
    CHECK(s->schedule().not_before() == w.clock.now() + 600);

    world w2;
    w2.server.poll_script.push_back({429, "application/json", R"({"error": "slow down"})", "99999999", ""});
    auto s2 = w2.service();
    s2->poll(poll_reason::urgent);
    CHECK(s2->schedule().not_before() == w2.clock.now() + 86400);  // capped at the interval
}

TEST_CASE("the server's poll_interval lengthens the countdown")
{
    world w;
    w.config.jitter_percent = 0;
    w.server.poll_interval = 3 * 86400;
    auto s = w.service();
    s->poll(poll_reason::periodic);
    CHECK(s->next().at == w.clock.now() + 3 * 86400);
}
