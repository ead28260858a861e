// The state directory: state file round trip, damaged files refused with a
// clear message, the token made once, one updater per state_dir.
#include "milter/updater/state_store.hpp"
#include "test/unit/milter/updater/world.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace uun;
using namespace uun::updater;

TEST_CASE("state survives a save and a load, journal included")
{
    test::scratch_dir dir;
    state_store store(dir.file("state"));
    REQUIRE(store.prepare());
    auto fresh = store.load();
    REQUIRE(fresh);
    CHECK(*fresh == updater_state{});
    updater_state s{41, 1'800'000'000, pending_install{42, "av", "/var/lib/av.db", true}, hook_retry{42, 2}};
    REQUIRE(store.save(s));
    auto back = store.load();
    REQUIRE(back);
    CHECK(*back == s);
    struct stat st {};
    REQUIRE(::stat(store.state_file().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(dir.file("state").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
}

TEST_CASE("root-mode state survives a save and a load; a v1 state file still loads")
{
    test::scratch_dir dir;
    state_store store(dir.file("state"));
    REQUIRE(store.prepare());
    updater_state s;
    s.last_seq = 60;
    s.root_version = 3;
    s.positions = {{"av", 13}, {"sys", 0}};
    s.known_heads = {{"av", 14}};
    s.last_fresh_timestamp = 1'800'000'100;
    s.trigger_seen = {{"uun-60-AbCdEfGhIjKlMnOpQr_-09", 1'800'000'000}};
    REQUIRE(store.save(s));
    auto back = store.load();
    REQUIRE(back);
    CHECK(*back == s);

    test::spit(store.state_file(), R"({"last_seq": 7, "last_poll": 1800000000, "hook_retry": null})");
    auto old = store.load();
    REQUIRE(old);
    CHECK(old->last_seq == 7);
    CHECK(old->positions.empty());
    CHECK_FALSE(old->last_fresh_timestamp);
    CHECK(old->root_version == 0);
    for (const char* bad : {R"({"last_seq": 1, "positions": {"av": -1}})", R"({"last_seq": 1, "positions": [1]})",
                            R"({"last_seq": 1, "known_heads": {"av": "2"}})",
                            R"({"last_seq": 1, "last_fresh_timestamp": "now"})"}) {
        INFO(bad);
        test::spit(store.state_file(), bad);
        CHECK_FALSE(store.load());
    }
}

TEST_CASE("a damaged state file is refused, not taken as last_seq 0")
{
    const char* bad[] = {
        "",
        "{",
        "[]",
        R"({"last_seq": "41"})",
        R"({"last_seq": -1})",
        R"({"last_poll": 5})",
        R"({"last_seq": 1, "pending": {"seq": 2}})",
        R"({"last_seq": 1, "pending": {"seq": 2, "channel": "av", "file": "relative", "had_previous": true}})",
        R"({"last_seq": 1, "hook_retry": {"seq": 2}})",
        R"({"last_seq": 1, "hook_retry": {"seq": 2, "attempts": -1}})",
    };
    for (const char* text : bad) {
        INFO("state file: ", std::string(text));
        test::scratch_dir dir;
        state_store store(dir.file("state"));
        REQUIRE(store.prepare());
        test::spit(store.state_file(), text);
        auto got = store.load();
        REQUIRE_FALSE(got);
        CHECK(got.error().message.find("damaged state file") != std::string::npos);
        CHECK(got.error().message.find(store.state_file()) != std::string::npos);
    }
}

TEST_CASE("the token is made once, kept 0600 and checked")
{
    test::scratch_dir dir;
    state_store store(dir.file("state"));
    REQUIRE(store.prepare());
    auto first = store.token();
    REQUIRE(first);
    CHECK(first->size() == 43);
    auto second = store.token();
    REQUIRE(second);
    CHECK(*second == *first);
    struct stat st {};
    REQUIRE(::stat(dir.file("state/token").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    test::spit(dir.file("state/token"), "not-a-token\n");
    auto bad = store.token();
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("not a token") != std::string::npos);
}

TEST_CASE("only one updater runs per state_dir")
{
    test::scratch_dir dir;
    state_store first(dir.file("state"));
    REQUIRE(first.prepare());
    REQUIRE(first.lock());
    state_store second(dir.file("state"));
    auto locked = second.lock();
    REQUIRE_FALSE(locked);
    CHECK(locked.error().message.find("another uun-updater") != std::string::npos);
}
