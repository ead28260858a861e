// The SQLite store: log sequence, entry selection, registry binding and
// expiry (times are injected), notifications, reports and payload import.
#include "lib/util/digest.hpp"
#include "lib/util/file_util.hpp"
#include "server/store/payload_dir.hpp"
#include "server/store/store.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace uun;
// Not `using namespace uun::store`: its class `store` would make the name
// `store` ambiguous with the namespace.
using store::appliance_record;
using store::entry_batch;
using store::notification_record;
using store::open_sqlite_store;
using store::payload_dir;
using store::registration;

namespace {

std::unique_ptr<store::store> open_in(const test::scratch_dir& dir)
{
    auto s = open_sqlite_store(dir.file("store.db"));
    REQUIRE(s);
    return std::move(*s);
}

proto::update_entry draft(const std::string& channel, const std::string& target = "", bool urgent = true)
{
    proto::update_entry e;
    e.channel = channel;
    e.name = "file.bin";
    e.sha256 = sha256_hex(channel + target);
    e.size = 10;
    e.urgent = urgent;
    e.published = 1000;
    e.target = *proto::parse_target_list(target);
    return e;
}

store::store::entry_signer fake_signer()
{
    return [](const proto::update_entry& e) -> result<std::string> { return cat("{\"seq\":", e.seq, "}"); };
}

appliance_record appliance(const std::string& id, std::vector<std::string> channels, const std::string& product = "mg",
                           const std::string& version = "3.0")
{
    appliance_record a;
    a.id = id;
    a.address = "127.0.0.1";
    a.notify_recipient = "uun@" + id + ".test";
    a.notify_port = 25;
    a.product = product;
    a.version = version;
    a.channels = std::move(channels);
    a.last_reason = "periodic";
    return a;
}

}  // namespace

TEST_CASE("the log gives seqs 1, 2, 3 and a failed append does not consume one")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    CHECK(*s->head_seq() == 0);
    auto first = s->append_entry(draft("av"), fake_signer());
    REQUIRE(first);
    CHECK(first->entry.seq == 1);
    CHECK(first->entry.id == "av-1");
    CHECK(first->envelope == "{\"seq\":1}");

    auto failing = s->append_entry(draft("av"), [](const proto::update_entry&) -> result<std::string> {
        return fail("key unreadable");
    });
    REQUIRE_FALSE(failing);
    CHECK(failing.error().message == "key unreadable");
    CHECK(*s->head_seq() == 1);

    auto second = s->append_entry(draft("sys"), fake_signer());
    REQUIRE(second);
    CHECK(second->entry.seq == 2);

    auto stored = s->entry(2);
    REQUIRE(stored);
    REQUIRE(stored->has_value());
    CHECK((*stored)->entry.channel == "sys");
    CHECK((*stored)->entry.sha256 == draft("sys").sha256);
    CHECK(*s->payload_size(draft("sys").sha256) == std::optional<std::uint64_t>(10));
    CHECK(!s->payload_size(std::string(64, '0'))->has_value());
}

TEST_CASE("reopening keeps the log, and seq continues")
{
    test::scratch_dir dir;
    {
        auto s = open_in(dir);
        REQUIRE(s->append_entry(draft("av"), fake_signer()));
        REQUIRE(s->append_entry(draft("av"), fake_signer()));
    }
    auto s = open_in(dir);
    CHECK(*s->head_seq() == 2);
    auto third = s->append_entry(draft("av"), fake_signer());
    REQUIRE(third);
    CHECK(third->entry.seq == 3);
    auto counts = s->counts();
    REQUIRE(counts);
    CHECK(counts->entries == 3);
}

TEST_CASE("a poll gets the entries after its last_seq on its channels and target, with a limit")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    REQUIRE(s->append_entry(draft("av"), fake_signer()));                        // 1
    REQUIRE(s->append_entry(draft("sys"), fake_signer()));                       // 2
    REQUIRE(s->append_entry(draft("av", "product=other"), fake_signer()));       // 3
    REQUIRE(s->append_entry(draft("av", "version>=3.0"), fake_signer()));        // 4
    REQUIRE(s->append_entry(draft("av", "version>=4"), fake_signer()));          // 5
    REQUIRE(s->append_entry(draft("avx"), fake_signer()));                       // 6: not "av"

    auto seqs = [](const entry_batch& b) {
        std::vector<std::uint64_t> out;
        for (const auto& e : b.entries)
            out.push_back(e.entry.seq);
        return out;
    };
    auto poll = [&](appliance_record a, std::uint64_t last_seq, std::size_t limit) {
        a.last_seq = last_seq;
        auto got = s->exchange_poll(a, "h", 1000, limit);
        REQUIRE(got);
        CHECK(got->head_seq == 6);
        return got->batch;
    };
    auto a = appliance("gw-1", {"av"});
    auto all = poll(a, 0, 64);
    CHECK(seqs(all) == std::vector<std::uint64_t>{1, 4});
    CHECK_FALSE(all.more);

    CHECK(seqs(poll(a, 1, 64)) == std::vector<std::uint64_t>{4});

    auto limited = poll(a, 0, 1);
    CHECK(seqs(limited) == std::vector<std::uint64_t>{1});
    CHECK(limited.more);

    auto both = poll(appliance("gw-2", {"av", "sys"}, "other", "9"), 0, 64);
    CHECK(seqs(both) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
}

TEST_CASE("the registry binds an id to its first token; expiry releases it")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    auto a = appliance("gw-1", {"av"});
    CHECK(*s->record_poll(a, "hash-a", 1000) == registration::recorded);

    auto hijack = a;
    hijack.address = "192.0.2.66";
    CHECK(*s->record_poll(hijack, "hash-b", 1100) == registration::token_mismatch);
    auto row = s->find_appliance("gw-1");
    REQUIRE(row);
    REQUIRE(row->has_value());
    CHECK((*row)->address == "127.0.0.1");
    CHECK((*row)->last_seen == 1000);
    CHECK(*s->token_matches("gw-1", "hash-a"));
    CHECK_FALSE(*s->token_matches("gw-1", "hash-b"));
    CHECK_FALSE(*s->token_matches("gw-9", "hash-a"));

    a.address = "127.0.0.2";
    a.last_seq = 7;
    CHECK(*s->record_poll(a, "hash-a", 2000) == registration::recorded);
    row = s->find_appliance("gw-1");
    CHECK((*row)->address == "127.0.0.2");
    CHECK((*row)->first_seen == 1000);
    CHECK((*row)->last_seen == 2000);
    CHECK((*row)->last_seq == 7);

    // Sweep: rows not seen since 2001 go.
    CHECK(*s->sweep_registry(2000) == 0);
    CHECK(*s->sweep_registry(2001) == 1);
    CHECK(!s->find_appliance("gw-1")->has_value());
    CHECK(*s->record_poll(hijack, "hash-b", 3000) == registration::recorded);
}

TEST_CASE("the registry sweep keeps what was seen recently, with an injected clock")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    const std::int64_t day = 86400, expire_after = 7 * day;
    struct row {
        const char* id;
        std::int64_t last_seen;
        bool kept;
    };
    const std::int64_t now = 100 * day;
    const row rows[] = {
        {"fresh", now - 1, true},
        {"six-days", now - 6 * day, true},
        {"exactly-expiry", now - expire_after, true},
        {"one-second-over", now - expire_after - 1, false},
        {"ancient", 5, false},
    };
    for (const auto& r : rows)
        REQUIRE(s->record_poll(appliance(r.id, {"av"}), "h", r.last_seen));
    CHECK(*s->sweep_registry(now - expire_after) == 2);
    for (const auto& r : rows) {
        INFO(std::string(r.id));
        CHECK(s->find_appliance(r.id)->has_value() == r.kept);
    }
    CHECK(s->appliances(0)->size() == 3);
    CHECK(s->appliances(now - 6 * day)->size() == 2);
}

TEST_CASE("affected appliances: channel, target and freshness")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    REQUIRE(s->record_poll(appliance("a-new", {"av", "sys"}, "mg", "3.2"), "h", 1000));
    REQUIRE(s->record_poll(appliance("b-old-version", {"av"}, "mg", "2.9"), "h", 1000));
    REQUIRE(s->record_poll(appliance("c-other-channel", {"sys"}, "mg", "3.2"), "h", 1000));
    REQUIRE(s->record_poll(appliance("d-stale", {"av"}, "mg", "3.2"), "h", 10));
    REQUIRE(s->record_poll(appliance("e-other-product", {"av"}, "xg", "3.2"), "h", 1000));

    auto affected = s->affected_appliances(draft("av", "product=mg,version>=3"), 500);
    REQUIRE(affected);
    REQUIRE(affected->size() == 1);
    CHECK((*affected)[0].id == "a-new");
    auto everyone_on_av = s->affected_appliances(draft("av"), 0);
    CHECK(everyone_on_av->size() == 4);
}

TEST_CASE("notifications, fetches and reports make the progress of an entry")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    REQUIRE(s->append_entry(draft("av"), fake_signer()));
    REQUIRE(s->record_poll(appliance("gw-1", {"av"}), "h", 1000));
    REQUIRE(s->record_poll(appliance("gw-2", {"av"}), "h", 1000));
    REQUIRE(s->record_poll(appliance("gw-3", {"av"}), "h", 1000));
    for (const char* id : {"gw-1", "gw-2"}) {
        notification_record n;
        n.appliance_id = id;
        n.seq = 1;
        n.notified_at = 1100;
        n.expires = 4700;
        n.address = "127.0.0.1";
        n.envelope_sender = cat("uun+", id, "@vendor.test");
        n.recipient = "uun@x.test";
        n.result = "queued";
        REQUIRE(s->record_notification(n));
    }
    REQUIRE(s->exchange_poll(appliance("gw-1", {"av"}), "h", 1200, 64));
    REQUIRE(s->exchange_poll(appliance("gw-1", {"av"}), "h", 1300, 64));  // the first fetch counts
    REQUIRE(s->record_report({"gw-1", 1, "installed", "", 1250}));
    REQUIRE(s->record_report({"gw-3", 1, "failed", "hook exited 1", 1400}));

    auto p = s->progress(1);
    REQUIRE(p);
    REQUIRE(p->size() == 3);
    CHECK((*p)[0].appliance_id == "gw-1");
    CHECK((*p)[0].fetched_at == 1200);
    CHECK((*p)[0].status == "installed");
    CHECK((*p)[1].appliance_id == "gw-2");
    CHECK((*p)[1].notified_at == 1100);
    CHECK((*p)[1].status.empty());
    CHECK((*p)[2].appliance_id == "gw-3");
    CHECK((*p)[2].notified_at == 0);
    CHECK((*p)[2].status == "failed");
    CHECK((*p)[2].detail == "hook exited 1");

    CHECK(s->live_notifications(4700)->size() == 2);
    CHECK(s->live_notifications(4701)->empty());
    CHECK(s->notifications(1)->size() == 2);
}

TEST_CASE("a store file from a newer version is refused")
{
    test::scratch_dir dir;
    { open_in(dir); }
    {
        auto db = open_sqlite_store(dir.file("store.db"));
        REQUIRE(db);
    }
    // Bump the version behind the store's back.
    REQUIRE(::system(cat("sqlite3 ", dir.file("store.db"), " 'PRAGMA user_version = 99'").c_str()) == 0);
    auto again = open_sqlite_store(dir.file("store.db"));
    REQUIRE_FALSE(again);
    CHECK(again.error().message.find("newer than this program") != std::string::npos);
}

TEST_CASE("payload import names the file by its sha256 and enforces the limit")
{
    test::scratch_dir dir;
    REQUIRE(::mkdir(dir.file("payloads").c_str(), 0755) == 0);
    payload_dir payloads(dir.file("payloads"));
    REQUIRE(payloads.check_writable());
    std::string data(300000, 'z');
    REQUIRE(write_file_atomic(dir.file("update.bin"), data));
    auto info = payloads.import(dir.file("update.bin"), 1 << 20);
    REQUIRE(info);
    CHECK(info->sha256 == sha256_hex(data));
    CHECK(info->size == data.size());
    CHECK(*read_file(payloads.path_of(info->sha256), 1 << 20) == data);

    auto too_big = payloads.import(dir.file("update.bin"), 1000);
    REQUIRE_FALSE(too_big);
    CHECK(too_big.error().message.find("over the payload limit") != std::string::npos);
    CHECK_FALSE(payloads.import(dir.file("missing.bin"), 1000));
    REQUIRE(write_file_atomic(dir.file("empty.bin"), ""));
    CHECK_FALSE(payloads.import(dir.file("empty.bin"), 1000));
    CHECK_FALSE(payload_dir(dir.file("nope")).check_writable());
}

TEST_CASE("a poll exchange records the poll, selects the entries and marks notified ones fetched, in one go")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    REQUIRE(s->append_entry(draft("av"), fake_signer()));
    REQUIRE(s->append_entry(draft("sys"), fake_signer()));
    REQUIRE(s->append_entry(draft("av", "product=other"), fake_signer()));
    notification_record n;
    n.appliance_id = "gw-1";
    n.seq = 1;
    n.notified_at = 900;
    n.expires = 4500;
    n.address = "127.0.0.1";
    n.envelope_sender = "uun+gw-1@vendor.test";
    n.recipient = "uun@gw-1.test";
    n.result = "queued";
    REQUIRE(s->record_notification(n));

    auto first = s->exchange_poll(appliance("gw-1", {"av"}), "h", 1000, 64);
    REQUIRE(first);
    CHECK_FALSE(first->before);
    CHECK(first->registered == registration::recorded);
    REQUIRE(first->batch.entries.size() == 1);
    CHECK(first->batch.entries[0].entry.seq == 1);
    CHECK_FALSE(first->batch.more);
    CHECK(first->head_seq == 3);
    CHECK((*s->notifications(1))[0].fetched_at == 1000);
    auto row = s->find_appliance("gw-1");
    REQUIRE(*row);
    CHECK((*row)->last_seen == 1000);

    auto moved = appliance("gw-1", {"av"});
    moved.address = "192.0.2.7";
    auto second = s->exchange_poll(moved, "h", 2000, 64);
    REQUIRE(second);
    REQUIRE(second->before);
    CHECK(second->before->address == "127.0.0.1");
    CHECK((*s->find_appliance("gw-1"))->address == "192.0.2.7");
    CHECK((*s->notifications(1))[0].fetched_at == 1000);  // the first fetch counts

    // Another token: answered, but the row and the notifications stay as they are.
    auto intruder = appliance("gw-1", {"av"});
    intruder.address = "203.0.113.9";
    auto third = s->exchange_poll(intruder, "other", 3000, 64);
    REQUIRE(third);
    CHECK(third->registered == registration::token_mismatch);
    CHECK(third->batch.entries.size() == 1);
    CHECK((*s->find_appliance("gw-1"))->address == "192.0.2.7");
    CHECK((*s->find_appliance("gw-1"))->last_seen == 2000);
}
