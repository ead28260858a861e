// The replay cache: fresh then replayed, persistence across a reopen,
// pruning with an injected clock, the size limit, a failed delivery records
// nothing, and check-and-insert is atomic across threads.
#include "lib/util/clock.hpp"
#include "milter/filter/replay_cache.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace uun;
using namespace uun::filter;

namespace {

const std::function<result<void>()> deliver_ok = [] { return result<void>{}; };

std::unique_ptr<replay_cache> open_cache(const std::string& path, const uun::clock& clk, std::uint64_t max = 1000)
{
    auto cache = replay_cache::open(path, max, clk);
    INFO((cache ? std::string() : cache.error().message));
    REQUIRE(cache);
    return std::move(*cache);
}

}  // namespace

TEST_CASE("a nonce is fresh once, then a replay")
{
    test::scratch_dir dir;
    manual_clock clk(1000);
    auto cache = open_cache(dir.file("replay.sqlite"), clk);
    int delivered = 0;
    auto count = [&] {
        ++delivered;
        return result<void>{};
    };
    auto first = cache->admit("nonce-a", 5000, count);
    REQUIRE(first);
    CHECK(*first == admission::fresh);
    auto second = cache->admit("nonce-a", 5000, count);
    REQUIRE(second);
    CHECK(*second == admission::replayed);
    CHECK(delivered == 1);
    auto other = cache->admit("nonce-b", 5000, count);
    REQUIRE(other);
    CHECK(*other == admission::fresh);
    CHECK(cache->size() == 2);
}

TEST_CASE("the cache survives a reopen (a milter restart)")
{
    test::scratch_dir dir;
    manual_clock clk(1000);
    {
        auto cache = open_cache(dir.file("replay.sqlite"), clk);
        REQUIRE(*cache->admit("kept", 5000, deliver_ok) == admission::fresh);
    }
    auto cache = open_cache(dir.file("replay.sqlite"), clk);
    CHECK(cache->size() == 1);
    auto again = cache->admit("kept", 5000, deliver_ok);
    REQUIRE(again);
    CHECK(*again == admission::replayed);
}

TEST_CASE("entries are pruned once keep_until has passed")
{
    test::scratch_dir dir;
    manual_clock clk(1000);
    auto cache = open_cache(dir.file("replay.sqlite"), clk);
    REQUIRE(*cache->admit("short", 2000, deliver_ok) == admission::fresh);
    REQUIRE(*cache->admit("long", 9000, deliver_ok) == admission::fresh);
    clk.set(2000);  // keep_until itself is still kept
    CHECK(*cache->admit("short", 2000, deliver_ok) == admission::replayed);
    clk.set(2001);
    REQUIRE(*cache->admit("other", 9000, deliver_ok) == admission::fresh);
    CHECK(cache->size() == 2);  // "short" went, "long" and "other" stay
    CHECK(*cache->admit("long", 9000, deliver_ok) == admission::replayed);
}

TEST_CASE("a full cache refuses new nonces without delivering, until entries expire")
{
    test::scratch_dir dir;
    manual_clock clk(1000);
    auto cache = open_cache(dir.file("replay.sqlite"), clk, 3);
    for (const char* n : {"a", "b", "c"})
        REQUIRE(*cache->admit(n, 1500, deliver_ok) == admission::fresh);
    bool delivered = false;
    auto full = cache->admit("d", 1500, [&] {
        delivered = true;
        return result<void>{};
    });
    REQUIRE_FALSE(full);
    CHECK(full.error().message.find("replay cache is full") != std::string::npos);
    CHECK_FALSE(delivered);
    CHECK(cache->size() == 3);
    // A replay of a known nonce is still recognised while full.
    CHECK(*cache->admit("a", 1500, deliver_ok) == admission::replayed);
    clk.set(1501);
    auto later = cache->admit("d", 3000, deliver_ok);
    REQUIRE(later);
    CHECK(*later == admission::fresh);
    CHECK(cache->size() == 1);
}

TEST_CASE("a failed delivery records nothing, so the retry is fresh")
{
    test::scratch_dir dir;
    manual_clock clk(1000);
    auto cache = open_cache(dir.file("replay.sqlite"), clk);
    auto failed = cache->admit("n", 5000, [] { return result<void>(fail("disk full")); });
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message == "disk full");
    CHECK(cache->size() == 0);
    auto retry = cache->admit("n", 5000, deliver_ok);
    REQUIRE(retry);
    CHECK(*retry == admission::fresh);
}

TEST_CASE("many threads admitting the same nonce deliver it exactly once")
{
    test::scratch_dir dir;
    manual_clock clk(1000);
    auto cache = open_cache(dir.file("replay.sqlite"), clk);
    std::atomic<int> delivered{0};
    std::atomic<int> fresh{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                auto r = cache->admit("n-" + std::to_string(i), 5000, [&] {
                    ++delivered;
                    return result<void>{};
                });
                if (!r)
                    ++errors;
                else if (*r == admission::fresh)
                    ++fresh;
            }
        });
    for (auto& t : threads)
        t.join();
    CHECK(errors == 0);
    CHECK(fresh == 20);
    CHECK(delivered == 20);
    CHECK(cache->size() == 20);
}

TEST_CASE("an unusable database path is an error naming the path")
{
    test::scratch_dir dir;
    manual_clock clk(1000);
    auto cache = replay_cache::open(dir.file("missing/replay.sqlite"), 10, clk);
    REQUIRE_FALSE(cache);
    CHECK(cache.error().message.find("missing/replay.sqlite") != std::string::npos);
}
