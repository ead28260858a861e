// uun-publish under the v2 trust model: the seq and channel_seq come from
// the publisher's own counters whatever the store says, an entry signed by a
// run that died before the store had it is appended on the next run, UUNs
// are signed with publish.notify_key, and publish.root refuses keys outside
// their roles. Whole runs against a scratch site (publish_site.hpp).
#include "lib/proto/dsse.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/util/sqlite.hpp"
#include "server/publish/counters.hpp"
#include "test/unit/server/publish/publish_site.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace uun;
using uun::test::scratch_site;

namespace {

const std::string foreign_message = "another publisher wrote to it or the store was changed; see doc/trust.md";

void sql(scratch_site& site, const std::string& statement)
{
    auto db = sqlite_db::open(site.dir.file("store.db"));
    REQUIRE(db);
    REQUIRE(db->exec(statement));
}

publish::publisher_counters counters_of(scratch_site& site)
{
    auto c = publish::load_counters(site.dir.file("publisher-counters.json"));
    REQUIRE(c);
    REQUIRE(*c);
    return **c;
}

std::string envelope_at(scratch_site& site, std::uint64_t seq)
{
    auto s = store::open_sqlite_store(site.dir.file("store.db"));
    REQUIRE(s);
    auto e = (*s)->entry(seq);
    REQUIRE(e);
    REQUIRE(*e);
    return (*e)->envelope;
}

// The entry as the publisher signed it (the store's row does not carry channel_seq).
proto::update_entry signed_entry(scratch_site& site, std::uint64_t seq)
{
    auto pub = proto::public_key::load(site.dir.file("publisher.pub"));
    REQUIRE(pub);
    proto::keyring ring;
    ring.add(*pub);
    auto v = proto::dsse_verify(nlohmann::json::parse(envelope_at(site, seq)), proto::update_payload_type, ring);
    REQUIRE(v);
    auto e = proto::update_entry_from_json(v->payload);
    REQUIRE(e);
    return *e;
}

// A v1 entry appended the way the old uun-publish (or someone else) did.
void foreign_append(scratch_site& site)
{
    auto s = store::open_sqlite_store(site.dir.file("store.db"));
    REQUIRE(s);
    proto::update_entry draft;
    draft.channel = "av";
    draft.name = "foreign.bin";
    draft.sha256 = std::string(64, 'a');
    draft.size = 1;
    REQUIRE((*s)->append_entry(draft, [](const proto::update_entry&) -> result<std::string> { return "{}"; }));
}

// A 2-of-3 root whose publisher and notify roles hold the given public keys.
void write_root(scratch_site& site, const std::string& file, const std::string& publisher_pub,
                const std::string& notify_pub)
{
    proto::root_plan plan;
    std::vector<proto::private_key> root_keys;
    for (int i = 0; i < 3; ++i) {
        root_keys.push_back(*proto::private_key::generate());
        plan.keys[proto::role_name::root].push_back(root_keys.back().public_part());
    }
    plan.thresholds[proto::role_name::root] = 2;
    plan.keys[proto::role_name::publisher].push_back(*proto::public_key::load(publisher_pub));
    plan.keys[proto::role_name::timestamp].push_back(proto::private_key::generate()->public_part());
    plan.keys[proto::role_name::notify].push_back(*proto::public_key::load(notify_pub));
    plan.expires = std::time(nullptr) + 30 * 86400;
    auto root = proto::make_root(plan);
    REQUIRE(root);
    auto envelope = proto::root_envelope(*root);
    REQUIRE(proto::dsse_add_signature(envelope, proto::root_payload_type, root_keys[0]));
    REQUIRE(proto::dsse_add_signature(envelope, proto::root_payload_type, root_keys[2]));
    REQUIRE(write_file_atomic(site.dir.file(file), envelope.dump()));
}

std::vector<std::string> mails(scratch_site& site)
{
    std::vector<std::string> out;
    for (const auto& f : std::filesystem::directory_iterator(site.dir.file("outbox")))
        if (f.path().extension() != ".argv")
            out.push_back(*read_file(f.path().string(), 1 << 16));
    return out;
}

// server.yaml with publish.notify_key and optionally publish.root.
void write_trust_config(scratch_site& site, const std::string& name, const std::string& root)
{
    std::string extra = "  notify_key: " + site.dir.file("notify.key") + "\n";
    if (!root.empty())
        extra += "  root: " + site.dir.file(root) + "\n";
    site.write_config(name, site.sendmail_ok, "", "", "", extra);
}

}  // namespace

TEST_CASE("the seq is the publisher's counters + 1 whatever the store's next_seq says")
{
    scratch_site site;
    auto first = site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")});
    REQUIRE(first.code == 0);
    CHECK(counters_of(site).seq == 1);

    sql(site, "UPDATE meta SET value = 1000000000 WHERE key = 'next_seq'");
    auto high = site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")});
    INFO("stderr: ", high.err);
    CHECK(high.code == 0);
    CHECK(high.out.find("published seq 2 (av-2)") == 0);
    CHECK(site.head_seq() == 2);

    sql(site, "UPDATE meta SET value = 1 WHERE key = 'next_seq'");
    auto low = site.run("server.yaml", {"--channel", "sys", site.dir.file("payload.bin")});
    INFO("stderr: ", low.err);
    CHECK(low.code == 0);
    CHECK(low.out.find("published seq 3 (sys-3)") == 0);
    CHECK(counters_of(site) == publish::publisher_counters{3, {}, std::nullopt});
}

TEST_CASE("a store whose log went beyond what this publisher signed: refused, nothing appended")
{
    scratch_site site;
    REQUIRE(site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")}).code == 0);
    foreign_append(site);
    auto got = site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")});
    CHECK(got.code == 5);
    CHECK(got.err.find("the store's log goes to seq 2 but this publisher last signed seq 1: " + foreign_message) !=
          std::string::npos);
    CHECK(got.out.empty());
    CHECK(site.head_seq() == 2);
    CHECK(counters_of(site).seq == 1);
}

TEST_CASE("no counters file: an empty store starts at 0, a used one from its head with a warning")
{
    scratch_site site;
    auto fresh = site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")});
    CHECK(fresh.code == 0);
    CHECK(fresh.err.empty());
    std::filesystem::remove(site.dir.file("publisher-counters.json"));
    foreign_append(site);

    auto got = site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")});
    INFO("stderr: ", got.err);
    CHECK(got.code == 0);
    CHECK(got.err.find("warning: no publisher counters at " + site.dir.file("publisher-counters.json") +
                       "; starting them from the store: seq 2") != std::string::npos);
    CHECK(got.err.find("check these against your records") != std::string::npos);
    CHECK(got.out.find("published seq 3") == 0);
    CHECK(counters_of(site).seq == 3);
}

TEST_CASE("an entry pending from a run that died before the store had it is appended by the next run")
{
    scratch_site site;
    REQUIRE(site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")}).code == 0);
    auto key = proto::private_key::load(site.dir.file("publisher.key"));
    REQUIRE(key);
    proto::update_entry lost = signed_entry(site, 1);
    lost.seq = 2;
    lost.id = "sys-2";
    lost.channel = "sys";
    std::string envelope = proto::dsse_sign(proto::update_payload_type, proto::entry_payload(lost), *key).dump();
    publish::publisher_counters died{2, {}, publish::pending_entry{2, "sys", 0, envelope}};
    REQUIRE(publish::save_counters(site.dir.file("publisher-counters.json"), died));

    auto got = site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")});
    INFO("stderr: ", got.err);
    CHECK(got.code == 0);
    CHECK(got.out.find("appended seq 2 (sys-2), signed by an earlier run that stopped before the store had it") == 0);
    CHECK(got.out.find("published seq 3 (av-3)") != std::string::npos);
    CHECK(envelope_at(site, 2) == envelope);
    CHECK(counters_of(site) == publish::publisher_counters{3, {}, std::nullopt});

    SUBCASE("pending and in the store byte for byte: cleared")
    {
        died = {3, {}, publish::pending_entry{3, "av", 0, envelope_at(site, 3)}};
        REQUIRE(publish::save_counters(site.dir.file("publisher-counters.json"), died));
        auto next = site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")});
        CHECK(next.code == 0);
        CHECK(next.out.find("published seq 4") == 0);
        CHECK(site.head_seq() == 4);
    }
    SUBCASE("pending, but the store has another envelope at that seq: refused")
    {
        died = {3, {}, publish::pending_entry{3, "sys", 0, envelope}};
        auto other = signed_entry(site, 2);
        other.seq = 3;
        other.id = "sys-3";
        died.pending->envelope =
            proto::dsse_sign(proto::update_payload_type, proto::entry_payload(other), *key).dump();
        REQUIRE(publish::save_counters(site.dir.file("publisher-counters.json"), died));
        auto next = site.run("server.yaml", {"--channel", "av", site.dir.file("payload.bin")});
        CHECK(next.code == 5);
        CHECK(next.err.find("the store has a different entry at seq 3 than the one this publisher signed") !=
              std::string::npos);
        CHECK(site.head_seq() == 3);
    }
}

TEST_CASE("with publish.root: channel_seq 1, 2, 3 per channel, and UUNs signed with the notify key")
{
    scratch_site site;
    auto notify = keygen::write_key_pair(site.dir.file("notify"));
    REQUIRE(notify);
    write_root(site, "root.json", site.dir.file("publisher.pub"), site.dir.file("notify.pub"));
    write_trust_config(site, "v2.yaml", "root.json");
    site.register_appliance("gw-1");
    const std::vector<std::pair<std::string, std::uint64_t>> rows = {{"av", 1}, {"av", 2}, {"sys", 1}, {"av", 3}};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto got = site.run("v2.yaml", {"--channel", rows[i].first, site.dir.file("payload.bin")});
        INFO("publish ", i + 1, ": ", got.err);
        REQUIRE(got.code == 0);
        CHECK(got.out.find(cat("channel ", rows[i].first, " channel_seq ", rows[i].second, ",")) != std::string::npos);
        auto e = signed_entry(site, i + 1);
        CHECK(e.seq == i + 1);
        CHECK(e.channel_seq == rows[i].second);
    }
    CHECK(counters_of(site) == publish::publisher_counters{4, {{"av", 3}, {"sys", 1}}, std::nullopt});

    auto urgent = site.run("v2.yaml", {"--channel", "av", "--urgent", site.dir.file("payload.bin")});
    INFO("stderr: ", urgent.err);
    CHECK(urgent.code == 0);
    auto sent = mails(site);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].find("k=" + notify->key_id + ";") != std::string::npos);
    CHECK(sent[0].find("k=" + proto::private_key::load(site.dir.file("publisher.key"))->id()) == std::string::npos);

    sql(site, "UPDATE entries SET channel_seq = 9 WHERE seq = 5");
    auto moved = site.run("v2.yaml", {"--channel", "av", site.dir.file("payload.bin")});
    CHECK(moved.code == 5);
    CHECK(moved.err.find("the store's channel av goes to channel_seq 9 but this publisher last signed channel_seq "
                         "4") != std::string::npos);
}

TEST_CASE("without publish.root a separate notify key still signs the UUNs, entries stay v1")
{
    scratch_site site;
    auto notify = keygen::write_key_pair(site.dir.file("notify"));
    REQUIRE(notify);
    write_trust_config(site, "v1.yaml", "");
    site.register_appliance("gw-1");
    auto got = site.run("v1.yaml", {"--channel", "av", "--urgent", site.dir.file("payload.bin")});
    INFO("stderr: ", got.err);
    CHECK(got.code == 0);
    CHECK(signed_entry(site, 1).channel_seq == 0);
    auto sent = mails(site);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].find("k=" + notify->key_id + ";") != std::string::npos);
}

TEST_CASE("publish.root refuses a key outside its role, naming the key, the role and the root version")
{
    scratch_site site;
    auto notify = keygen::write_key_pair(site.dir.file("notify"));
    auto other = keygen::write_key_pair(site.dir.file("other"));
    REQUIRE(notify);
    REQUIRE(other);
    auto publisher_id = proto::private_key::load(site.dir.file("publisher.key"))->id();
    write_root(site, "wrong-publisher.json", site.dir.file("other.pub"), site.dir.file("notify.pub"));
    write_root(site, "wrong-notify.json", site.dir.file("publisher.pub"), site.dir.file("other.pub"));
    write_trust_config(site, "wrong-publisher.yaml", "wrong-publisher.json");
    write_trust_config(site, "wrong-notify.yaml", "wrong-notify.json");
    site.write_config("no-notify-key.yaml", site.sendmail_ok, "", "", "",
                      "  root: " + site.dir.file("wrong-notify.json") + "\n");
    REQUIRE(write_file_atomic(site.dir.file("bad-root.json"), "{\"payloadType\": \"x\"}"));
    write_trust_config(site, "bad-root.yaml", "bad-root.json");
    struct row {
        const char* label;
        const char* config;
        std::string want;
    };
    const row rows[] = {
        {"publisher key not in the publisher role", "wrong-publisher.yaml",
         "publish.key (key id " + publisher_id + ") is not in the publisher role of root v1"},
        {"notify key not in the notify role", "wrong-notify.yaml",
         "publish.notify_key (key id " + notify->key_id + ") is not in the notify role of root v1"},
        {"no notify key: publish.key is not a notify key", "no-notify-key.yaml",
         "publish.notify_key (key id " + publisher_id + ") is not in the notify role of root v1"},
        {"a root that is not one", "bad-root.yaml", "publish.root " + site.dir.file("bad-root.json") + ": root: "},
    };
    for (const auto& r : rows) {
        auto got = site.run(r.config, {"--channel", "av", site.dir.file("payload.bin")});
        INFO(r.label, ": ", got.err);
        CHECK(got.code == 3);
        CHECK(got.err.find(r.want) != std::string::npos);
        CHECK(site.head_seq() == 0);
    }
    CHECK_FALSE(std::filesystem::exists(site.dir.file("publisher-counters.json")));
}
