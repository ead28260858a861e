// The trigger spool: which names are triggers, what a scan ignores, which
// triggers a finished poll removes, triggers found at start, and several
// triggers coalescing into one urgent poll through inotify.
#include "milter/updater/daemon_loop.hpp"
#include "milter/updater/spool_watch.hpp"
#include "milter/updater/trigger_spool.hpp"
#include "test/unit/milter/updater/world.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

using namespace uun;
using namespace uun::updater;
using uun::proto::poll_reason;
using uun::test::world;

namespace {

const std::string nonce = "AbCdEfGhIjKlMnOpQr_-09";  // 22 characters

}  // namespace

TEST_CASE("a scan returns well-formed regular files only, in seq order, and never follows a symlink")
{
    world w;
    const auto& spool = w.config.spool_dir;
    test::spit(spool + "/uun-7-" + nonce, "");
    test::spit(spool + "/uun-3-" + nonce, "");
    test::spit(spool + "/.uun-9-" + nonce, "");        // the milter's temp file
    test::spit(spool + "/notes.txt", "hello");          // junk
    test::spit(w.dir.file("secret"), "not for the updater");
    REQUIRE(::symlink(w.dir.file("secret").c_str(), (spool + "/uun-5-" + nonce).c_str()) == 0);
    REQUIRE(::mkdir((spool + "/uun-6-" + nonce).c_str(), 0755) == 0);

    trigger_spool s(spool);
    auto got = s.scan();
    REQUIRE(got);
    REQUIRE(got->size() == 2);
    CHECK((*got)[0].seq == 3);
    CHECK((*got)[1].seq == 7);
    // Nothing was touched: the symlink and its target are still there.
    CHECK(test::exists(spool + "/uun-5-" + nonce));
    CHECK(test::slurp(w.dir.file("secret")) == "not for the updater");
}

TEST_CASE("a scan of a missing spool is an error naming it")
{
    trigger_spool s("/nonexistent/uun-spool");
    auto got = s.scan();
    REQUIRE_FALSE(got);
    CHECK(got.error().message.find("/nonexistent/uun-spool") != std::string::npos);
}

TEST_CASE("removal rules after a complete poll")
{
    auto t = [](std::uint64_t seq) { return trigger{cat("uun-", seq, "-", nonce), seq}; };
    struct row {
        const char* label;
        trigger present;
        bool asked_about;
        std::uint64_t last_seq;
        std::set<std::uint64_t> answered;
        bool want_removed;
    };
    const row rows[] = {
        {"installed: seq <= last_seq", t(10), true, 10, {10}, true},
        {"older than last_seq", t(4), true, 10, {}, true},
        {"not in a complete answer: does not apply here", t(12), true, 10, {9, 10}, true},
        {"in the answer but not handled", t(12), true, 10, {12}, false},
        {"arrived during the poll, newer than last_seq", t(12), false, 10, {}, false},
        {"arrived during the poll, already handled", t(9), false, 10, {}, true},
    };
    for (const auto& r : rows) {
        std::set<std::string> asked;
        if (r.asked_about)
            asked.insert(r.present.name);
        auto got = finished_triggers({r.present}, asked, r.last_seq, r.answered);
        INFO(std::string(r.label));
        CHECK(got.size() == (r.want_removed ? 1u : 0u));
    }
}

TEST_CASE("a trigger left while the updater was down is found at start and polled for at once")
{
    world w;
    w.publish(1, "av", "first");
    REQUIRE(w.store->prepare());
    REQUIRE(w.store->save({0, w.clock.now() - 3600, std::nullopt, std::nullopt}));  // polled an hour ago
    auto name = w.drop_trigger(1);
    auto s = w.service();
    REQUIRE(s->has_triggers());
    CHECK(s->triggers().front().name == name);
    auto due = s->next();
    CHECK(due.reason == poll_reason::urgent);
    CHECK(due.at == w.clock.now() + 2);
    w.clock.advance(2);
    auto out = s->poll(due.reason);
    CHECK(out.complete);
    CHECK(w.server.polls.at(0).at("reason") == "urgent");
    CHECK(test::slurp(w.file("av")) == "first");
    CHECK(w.trigger_count() == 0);
}

TEST_CASE("triggers are removed only once their update is installed or refused for good")
{
    world w;
    w.publish(1, "av", "one");
    w.drop_trigger(1);
    w.drop_trigger(99);  // a seq the server does not offer this appliance
    auto s = w.service();

    // A transient failure keeps every trigger.
    w.server.poll_script.push_back({500, "application/json", R"({"error": "database down"})", "", ""});
    auto failed = s->poll(poll_reason::urgent);
    CHECK_FALSE(failed.complete);
    CHECK(w.trigger_count() == 2);

    // A complete answer: 1 installed, 99 not in it.
    auto done = s->poll(poll_reason::urgent);
    CHECK(done.complete);
    CHECK(w.trigger_count() == 0);
    CHECK(w.saved_last_seq() == 1);
}

TEST_CASE("a trigger for an entry whose download keeps failing stays")
{
    world w;
    auto e = w.publish(1, "av", "one");
    w.server.payloads.erase(e.sha256);  // the server lost the payload: 404, transient
    w.drop_trigger(1);
    auto s = w.service();
    auto out = s->poll(poll_reason::urgent);
    CHECK_FALSE(out.complete);
    CHECK(w.trigger_count() == 1);
    CHECK(w.saved_last_seq() == 0);
}

TEST_CASE("several triggers arriving through inotify make one urgent poll")
{
    world w;
    w.config.coalesce_window = std::chrono::seconds(2);
    w.publish(1, "av", "one");
    w.publish(2, "sys", "two");
    w.publish(3, "av", "three");
    w.clock.set(1'800'000'000);
    {
        // A first periodic poll, so the countdown is far away.
        auto s = w.service();
        s->poll(poll_reason::periodic);
    }
    w.server.envelopes.clear();
    w.server.requests.clear();
    w.publish(4, "av", "four");
    w.publish(5, "sys", "five");
    w.publish(6, "av", "six");

    auto s = w.service();
    auto watch = spool_watch::open(w.config.spool_dir);
    REQUIRE(watch);
    daemon_loop loop(*s, *watch, w.clock);
    std::int64_t start = w.clock.now();
    for (std::uint64_t seq : {4, 5, 6}) {
        w.drop_trigger(seq);
        loop.step(std::chrono::milliseconds(500));  // inotify wakes the loop
        loop.step(std::chrono::milliseconds(0));
        if (seq == 4)
            w.clock.advance(1);
    }
    CHECK(w.server.count("/v1/poll") == 0);  // the window started at the first trigger
    CHECK(s->triggers().size() == 3);
    w.clock.set(start + 2);
    loop.step(std::chrono::milliseconds(0));
    CHECK(w.server.count("/v1/poll") == 1);
    CHECK(w.server.polls.back().at("reason") == "urgent");
    CHECK(w.saved_last_seq() == 6);
    CHECK(w.trigger_count() == 0);
    // Nothing more to do until the periodic poll.
    for (int i = 0; i < 5; ++i) {
        w.clock.advance(60);
        loop.step(std::chrono::milliseconds(0));
    }
    CHECK(w.server.count("/v1/poll") == 1);
}
