// The store's v2 append: it records the seq and channel_seq the publisher
// chose, refuses a taken or outdated slot without changing anything, and
// keeps next_seq so a v1 append_entry continues after it.
#include "lib/util/digest.hpp"
#include "lib/util/sqlite.hpp"
#include "server/store/store.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

using namespace uun;

namespace {

proto::update_entry signed_draft(std::uint64_t seq, const std::string& channel, std::uint64_t channel_seq)
{
    proto::update_entry e;
    e.seq = seq;
    e.id = cat(channel, "-", seq);
    e.channel = channel;
    e.channel_seq = channel_seq;
    e.name = "file.bin";
    e.sha256 = sha256_hex(e.id);
    e.size = 10;
    e.published = 1000;
    return e;
}

}  // namespace

TEST_CASE("append_signed_entry keeps the publisher's seq and channel_seq and refuses a taken or old slot")
{
    test::scratch_dir dir;
    auto opened = store::open_sqlite_store(dir.file("store.db"));
    REQUIRE(opened);
    auto& s = **opened;
    REQUIRE(s.append_signed_entry(signed_draft(3, "av", 1), "{\"e\":3}"));
    REQUIRE(s.append_signed_entry(signed_draft(5, "av", 2), "{\"e\":5}"));
    REQUIRE(s.append_signed_entry(signed_draft(6, "sys", 1), "{\"e\":6}"));
    CHECK(*s.head_seq() == 6);
    CHECK(s.entry(5)->value().envelope == "{\"e\":5}");

    struct row {
        const char* label;
        proto::update_entry entry;
        const char* want;
    };
    const row rows[] = {
        {"seq taken", signed_draft(6, "av", 3), "the log already goes to seq 6; refusing entry seq 6"},
        {"seq below the head", signed_draft(4, "av", 3), "the log already goes to seq 6; refusing entry seq 4"},
        {"channel_seq taken", signed_draft(7, "av", 2), "channel av already has channel_seq 2 (seq 5)"},
        {"seq 0", signed_draft(0, "av", 3), "seq must be at least 1"},
    };
    for (const auto& r : rows) {
        auto got = s.append_signed_entry(r.entry, "{}");
        INFO(r.label);
        REQUIRE_FALSE(got);
        CHECK(got.error().message.find(r.want) != std::string::npos);
        CHECK(*s.head_seq() == 6);
    }
    auto heads = s.channel_heads();
    REQUIRE(heads);
    CHECK(heads->log_head == 6);
    CHECK(heads->channels == std::map<std::string, std::uint64_t>{{"av", 2}, {"sys", 1}});

    // A v1 append continues after the v2 ones, and is not in any channel's order.
    auto v1 = s.append_entry(signed_draft(0, "av", 0), [](const proto::update_entry& e) -> result<std::string> {
        return cat("{\"seq\":", e.seq, "}");
    });
    REQUIRE(v1);
    CHECK(v1->entry.seq == 7);
    CHECK(s.channel_heads()->channels.at("av") == 2);
}
