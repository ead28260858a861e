// The v2 trust model on uun-server: the root chain loaded from roots_dir (a
// 2-of-3 root v1 rotated to v2), the timestamp key checked against the newest
// root, and v2 polls answered with roots, a cached timestamp statement and the
// per-channel entries; v1 polls and a server without trust answer as before.
#include "lib/proto/poll_messages.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/proto/timestamp_statement.hpp"
#include "server/daemon/trust_roots.hpp"
#include "test/unit/server/daemon/api_world.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

using namespace uun;
using namespace uun::daemon;
using namespace uun::daemon::api_world;
using json = nlohmann::json;
using proto::role_name;

namespace {

std::vector<proto::private_key> keys(int n)
{
    std::vector<proto::private_key> out;
    for (int i = 0; i < n; ++i)
        out.push_back(*proto::private_key::generate());
    return out;
}

struct ceremony {
    test::scratch_dir dir;
    std::vector<proto::private_key> root1 = keys(3), root2 = keys(3);
    proto::private_key publisher = *proto::private_key::generate();
    proto::private_key stamp1 = *proto::private_key::generate(), stamp2 = *proto::private_key::generate();
    proto::private_key notify = *proto::private_key::generate();

    ceremony() { REQUIRE(::mkdir(roots().c_str(), 0755) == 0); }
    std::string roots() const { return dir.file("roots"); }

    proto::root_metadata root(std::uint64_t version) const
    {
        const auto& rk = version == 1 ? root1 : root2;
        proto::root_plan p;
        p.version = version;
        p.expires = start_time + 365 * 86400;
        p.keys = {{role_name::root, {rk[0].public_part(), rk[1].public_part(), rk[2].public_part()}},
                  {role_name::publisher, {publisher.public_part()}},
                  {role_name::timestamp, {(version == 1 ? stamp1 : stamp2).public_part()}},
                  {role_name::notify, {notify.public_part()}}};
        p.thresholds = {{role_name::root, 2}};
        auto made = proto::make_root(p);
        REQUIRE(made);
        return *made;
    }

    void write(const std::string& name, const proto::root_metadata& r, std::vector<const proto::private_key*> by)
    {
        auto envelope = proto::root_envelope(r);
        for (const auto* k : by)
            REQUIRE(proto::dsse_add_signature(envelope, proto::root_payload_type, *k));
        REQUIRE(write_file_atomic(roots() + "/" + name, envelope.dump()));
    }

    // v1 by 2 of its 3 keys; v2 by 2 of v1's and 2 of its own.
    void good_chain()
    {
        write("1.root.json", root(1), {&root1[0], &root1[2]});
        write("2.root.json", root(2), {&root1[1], &root1[2], &root2[0], &root2[1]});
    }

    result<std::shared_ptr<trust_service>> load(const proto::private_key& stamp)
    {
        auto path = dir.file("stamp.pem");
        REQUIRE(write_file_atomic(path, stamp.pem()));
        return load_trust({roots(), path, std::chrono::hours(1)});
    }
};

json v2_poll(std::uint64_t root_version, json positions, json wanted = json::array())
{
    static const std::string token = new_token();
    auto body = poll_body("gw-1", token);
    body["root_version"] = root_version;
    body["positions"] = std::move(positions);
    body["wanted"] = std::move(wanted);
    return body;
}

std::vector<std::uint64_t> entry_seqs(const json& answer)
{
    std::vector<std::uint64_t> out;
    for (const auto& e : answer["entries"]) {
        auto payload = proto::dsse_unverified_payload(e, proto::update_payload_type);
        REQUIRE(payload);
        out.push_back(proto::update_entry_from_json(*payload)->seq);
    }
    return out;
}

}  // namespace

TEST_CASE("a 2-of-3 chain v1, v2 loads, and the timestamp key must be in the newest root")
{
    ceremony c;
    c.good_chain();
    auto trust = c.load(c.stamp2);
    INFO((trust ? "" : trust.error().message));
    REQUIRE(trust);
    CHECK((*trust)->roots.newest == c.root(2));
    CHECK((*trust)->roots.envelopes.size() == 2);
    CHECK((*trust)->roots_after(0).size() == 2);
    CHECK((*trust)->roots_after(2).empty());
    CHECK((*trust)->roots_after(7).empty());

    auto old_key = c.load(c.stamp1);
    REQUIRE_FALSE(old_key);
    CHECK(old_key.error().message.find(cat("key ", c.stamp1.id(), " is not in the timestamp role of root v2")) !=
          std::string::npos);
}

TEST_CASE("a broken roots_dir is refused, naming the file and the reason")
{
    struct row {
        const char* label;
        std::function<void(ceremony&)> make;
        std::string want;
    };
    const row rows[] = {
        {"empty", [](ceremony&) {}, "no 1.root.json"},
        {"a gap", [](ceremony& c) {
             c.write("1.root.json", c.root(1), {&c.root1[0], &c.root1[1]});
             c.write("3.root.json", c.root(2), {&c.root1[0], &c.root1[1]});
         }, "2.root.json is missing before"},
        {"v2 signed only by its own keys", [](ceremony& c) {
             c.write("1.root.json", c.root(1), {&c.root1[0], &c.root1[1]});
             c.write("2.root.json", c.root(2), {&c.root2[0], &c.root2[1], &c.root2[2]});
         }, "2.root.json: next root is not signed by the trusted root's keys"},
        {"v1 signed by one of its keys", [](ceremony& c) {
             c.write("1.root.json", c.root(1), {&c.root1[0]});
         }, "1.root.json: root v1 is not signed by its own keys"},
        {"1.root.json holding v2", [](ceremony& c) {
             c.write("1.root.json", c.root(2), {&c.root2[0], &c.root2[1]});
         }, "1.root.json: holds root v2, not v1"},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        ceremony c;
        r.make(c);
        auto got = c.load(c.stamp2);
        REQUIRE_FALSE(got);
        CHECK(got.error().message.find(r.want) != std::string::npos);
        INFO(got.error().message);
    }
}

TEST_CASE("a v2 poll gets the roots after its version, a signed timestamp and every entry after its positions")
{
    ceremony c;
    c.good_chain();
    world w({}, *c.load(c.stamp2));
    w.publish("av", "v1 entry");                     // 1: channel_seq 0
    w.publish_v2("av", 1);                           // 2
    w.publish_v2("av", 2, "product=mg-9000");        // 3: not this appliance's product
    w.publish_v2("sys", 1);                          // 4
    w.publish_v2("web", 1);                          // 5: not followed

    auto r = w.request(http::verb::post, "/v1/poll", v2_poll(1, {{"av", 1}}, {5}).dump());
    REQUIRE(r.result() == http::status::ok);
    auto parsed = proto::parse_poll_answer(r.body().text, 1 << 20);
    INFO((parsed ? "" : parsed.error().message));
    REQUIRE(parsed);
    REQUIRE(parsed->roots.size() == 1);
    auto v2 = proto::verify_next_root(c.root(1), parsed->roots[0]);
    REQUIRE(v2);
    CHECK(v2->version == 2);
    REQUIRE(parsed->timestamp);
    auto stamp = proto::verify_timestamp(*v2, *parsed->timestamp, start_time, 60);
    REQUIRE(stamp);
    CHECK(stamp->verdict == proto::timestamp_verdict::fresh);
    CHECK(stamp->statement.issued == start_time);
    CHECK(stamp->statement.expires == start_time + 3600);
    CHECK(stamp->statement.log_head == 5);
    CHECK(stamp->statement.heads == std::map<std::string, std::uint64_t>{{"av", 2}, {"sys", 1}, {"web", 1}});
    CHECK_FALSE(proto::verify_timestamp(c.root(1), *parsed->timestamp, start_time, 60));
    // The world's poll.max_entries is 2.
    CHECK(entry_seqs(body_json(r)) == std::vector<std::uint64_t>{3, 4});
    CHECK(parsed->more);
    auto rest = body_json(w.request(http::verb::post, "/v1/poll", v2_poll(2, {{"av", 2}, {"sys", 1}}, {5}).dump()));
    CHECK(entry_seqs(rest) == std::vector<std::uint64_t>{5});
    CHECK(rest["more"] == false);

    CHECK(rest["roots"].empty());
    CHECK(rest.contains("timestamp"));

    auto v1 = body_json(w.request(http::verb::post, "/v1/poll", poll_body("gw-2", new_token()).dump()));
    CHECK_FALSE(v1.contains("roots"));
    CHECK_FALSE(v1.contains("timestamp"));
    CHECK(entry_seqs(v1) == std::vector<std::uint64_t>{1, 2});
    CHECK(v1["more"] == true);
}

TEST_CASE("the timestamp statement is signed again only when the log moves or a quarter of its life is gone")
{
    ceremony c;
    c.good_chain();
    world w({}, *c.load(c.stamp2));
    CHECK(w.counters.snapshot().root_version == 2);
    w.publish_v2("av", 1);
    auto poll = [&] { return body_json(w.request(http::verb::post, "/v1/poll", v2_poll(2, {{"av", 1}}).dump())); };
    auto first = poll();
    w.time.advance(60);
    CHECK(poll()["timestamp"] == first["timestamp"]);
    CHECK(w.counters.snapshot().timestamps_signed == 1);
    w.publish_v2("av", 2);
    CHECK(poll()["timestamp"] != first["timestamp"]);
    CHECK(w.counters.snapshot().timestamps_signed == 2);
    w.time.advance(900);
    poll();
    CHECK(w.counters.snapshot().timestamps_signed == 3);
    CHECK(format_metrics(w.counters.snapshot()).find("uun_timestamp_statements_signed_total 3\n") != std::string::npos);
    CHECK(format_metrics(w.counters.snapshot()).find("uun_trust_root_version 2\n") != std::string::npos);
}

TEST_CASE("a server without trust answers a v2 poll as v1")
{
    world w;
    w.publish("av", "v1 entry");
    w.publish_v2("av", 1, "product=mg-9000");
    auto j = body_json(w.request(http::verb::post, "/v1/poll", v2_poll(1, {{"av", 0}}).dump()));
    CHECK_FALSE(j.contains("timestamp"));
    CHECK_FALSE(j.contains("roots"));
    CHECK(entry_seqs(j) == std::vector<std::uint64_t>{1});
    CHECK(w.counters.snapshot().root_version == 0);
}
