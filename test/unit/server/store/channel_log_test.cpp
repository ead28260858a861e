// The store's v2 view of the log (sqlite_channel_log.cpp): per-channel
// positions, wanted seqs on any channel, no target filter, v1 entries left
// out, the limit, and the heads a timestamp statement signs.
#include "server/store/store.hpp"
#include "test/unit/server/store/channel_seq.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

using namespace uun;
using store::appliance_record;

namespace {

struct log_world {
    test::scratch_dir dir;
    std::unique_ptr<store::store> s;

    log_world()
    {
        auto opened = store::open_sqlite_store(dir.file("store.db"));
        REQUIRE(opened);
        s = std::move(*opened);
        // seq: channel/channel_seq (0: a v1 entry), target
        add("av", 0);                     // 1
        add("av", 1);                     // 2
        add("sys", 1, "product=other");   // 3
        add("av", 2, "product=other");    // 4
        add("web", 1);                    // 5
        add("av", 3);                     // 6
        add("sys", 2);                    // 7
        add("web", 0);                    // 8
    }

    void add(const std::string& channel, std::uint64_t channel_seq, const std::string& target = "")
    {
        proto::update_entry e;
        e.channel = channel;
        e.name = "f.bin";
        e.sha256 = std::string(64, 'a');
        e.size = 1;
        e.published = 1000;
        e.target = *proto::parse_target_list(target);
        auto stored = s->append_entry(e, [](const proto::update_entry& d) -> result<std::string> {
            return cat("{\"seq\":", d.seq, "}");
        });
        REQUIRE(stored);
        test::set_channel_seq(dir.file("store.db"), stored->entry.seq, channel_seq);
    }
};

appliance_record appliance(std::vector<std::string> channels)
{
    appliance_record a;
    a.id = "gw-1";
    a.address = "127.0.0.1";
    a.notify_recipient = "uun@gw-1.test";
    a.product = "mg";
    a.version = "3.0";
    a.channels = std::move(channels);
    a.last_reason = "periodic";
    return a;
}

std::vector<std::uint64_t> seqs(const store::entry_batch& b)
{
    std::vector<std::uint64_t> out;
    for (const auto& e : b.entries)
        out.push_back(e.entry.seq);
    return out;
}

}  // namespace

TEST_CASE("a v2 poll gets every entry after its channel positions and its wanted seqs")
{
    struct row {
        const char* label;
        std::vector<std::string> channels;
        std::map<std::string, std::uint64_t> positions;
        std::vector<std::uint64_t> wanted;
        std::size_t limit;
        std::vector<std::uint64_t> want;
        bool more;
    };
    const row rows[] = {
        {"no positions: every v2 entry of av and sys, targets not filtered", {"av", "sys"}, {}, {}, 10,
         {2, 3, 4, 6, 7}, false},
        {"positions per channel", {"av", "sys"}, {{"av", 2}, {"sys", 1}}, {}, 10, {6, 7}, false},
        {"a missing position is 0", {"av", "sys"}, {{"av", 3}}, {}, 10, {3, 7}, false},
        {"a wanted seq on a channel not followed", {"av"}, {{"av", 3}}, {5}, 10, {5}, false},
        {"a wanted seq already in range comes once", {"av"}, {}, {4, 4}, 10, {2, 4, 6}, false},
        {"v1 entries are never served, wanted or not", {"av", "web"}, {{"av", 3}, {"web", 1}}, {1, 8}, 10, {}, false},
        {"the position of a channel not followed is ignored", {"av"}, {{"sys", 0}, {"av", 2}}, {}, 10, {6}, false},
        {"an unknown wanted seq is nothing", {"sys"}, {{"sys", 2}}, {99}, 10, {}, false},
        {"the limit cuts and says more", {"av", "sys"}, {}, {5}, 3, {2, 3, 4}, true},
        {"exactly the limit is not more", {"av", "sys"}, {}, {}, 5, {2, 3, 4, 6, 7}, false},
    };
    log_world w;
    for (const auto& r : rows) {
        INFO(r.label);
        auto got = w.s->exchange_poll_v2(appliance(r.channels), "h", {r.positions, r.wanted}, 2000, r.limit);
        REQUIRE(got);
        CHECK(seqs(got->batch) == r.want);
        CHECK(got->batch.more == r.more);
        CHECK(got->head_seq == 8);
    }
}

TEST_CASE("channel heads: the newest channel_seq of each channel and the log head")
{
    log_world w;
    auto heads = w.s->channel_heads();
    REQUIRE(heads);
    CHECK(heads->channels == std::map<std::string, std::uint64_t>{{"av", 3}, {"sys", 2}, {"web", 1}});
    CHECK(heads->log_head == 8);
    auto got = w.s->exchange_poll_v2(appliance({"av"}), "h", {}, 2000, 10);
    REQUIRE(got);
    CHECK(got->heads == *heads);
    // The v1 exchange leaves them empty: nobody signs them.
    auto v1 = w.s->exchange_poll(appliance({"av"}), "h", 2000, 10);
    REQUIRE(v1);
    CHECK(v1->heads.channels.empty());
}

TEST_CASE("a v2 poll registers, binds the token and marks notified entries fetched like a v1 poll")
{
    log_world w;
    // appliance, seq, notified_at, expires, address, port, sender, recipient, result, fetched_at
    store::notification_record n{"gw-1", 6, 1500, 5000, "127.0.0.1", 25, "uun+gw-1@v.test", "uun@gw-1.test", "queued", 0};
    REQUIRE(w.s->record_notification(n));
    auto first = w.s->exchange_poll_v2(appliance({"av"}), "h", {{{"av", 2}}, {}}, 2000, 10);
    REQUIRE(first);
    CHECK(first->registered == store::registration::recorded);
    CHECK_FALSE(first->before);
    CHECK(seqs(first->batch) == std::vector<std::uint64_t>{6});
    auto notes = w.s->notifications(6);
    REQUIRE(notes);
    REQUIRE(notes->size() == 1);
    CHECK((*notes)[0].fetched_at == 2000);
    auto row = w.s->find_appliance("gw-1");
    REQUIRE(row);
    REQUIRE(*row);
    CHECK((*row)->last_seen == 2000);

    auto stranger = w.s->exchange_poll_v2(appliance({"av"}), "other", {}, 3000, 10);
    REQUIRE(stranger);
    CHECK(stranger->registered == store::registration::token_mismatch);
    CHECK(seqs(stranger->batch) == std::vector<std::uint64_t>{2, 4, 6});
    CHECK((*w.s->find_appliance("gw-1"))->last_seen == 2000);
}
