// Root metadata: thresholds, the chain of versions, revocation, expiry, and
// the timestamp statement signed by the role the root names.
#include "lib/proto/dsse.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/proto/timestamp_statement.hpp"
#include "lib/util/base64.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace uun;
using namespace uun::proto;

namespace {

std::vector<private_key> make_keys(int n)
{
    std::vector<private_key> out;
    for (int i = 0; i < n; ++i)
        out.push_back(*private_key::generate());
    return out;
}

std::vector<public_key> publics(const std::vector<private_key>& keys)
{
    std::vector<public_key> out;
    for (const auto& k : keys)
        out.push_back(k.public_part());
    return out;
}

// A vendor's key set: 3 root keys (2 needed), one key for each other role.
struct ceremony {
    std::vector<private_key> root = make_keys(3);
    std::vector<private_key> publisher = make_keys(1);
    std::vector<private_key> timestamp = make_keys(1);
    std::vector<private_key> notify = make_keys(1);

    root_plan plan(std::uint64_t version) const
    {
        root_plan p;
        p.version = version;
        p.expires = 2'000'000'000;
        p.keys = {{role_name::root, publics(root)},
                  {role_name::publisher, publics(publisher)},
                  {role_name::timestamp, publics(timestamp)},
                  {role_name::notify, publics(notify)}};
        p.thresholds = {{role_name::root, 2}};
        return p;
    }
};

nlohmann::json signed_by(const root_metadata& root, const std::vector<const private_key*>& signers)
{
    auto envelope = root_envelope(root);
    for (const auto* k : signers)
        REQUIRE(dsse_add_signature(envelope, root_payload_type, *k));
    return envelope;
}

}  // namespace

TEST_CASE("a first root needs a threshold of its own root keys")
{
    ceremony c;
    auto root = make_root(c.plan(1));
    REQUIRE(root);
    CHECK(root->role(role_name::root).threshold == 2);
    auto two = verify_first_root(signed_by(*root, {&c.root[0], &c.root[2]}));
    REQUIRE(two);
    CHECK(*two == *root);
    auto one = verify_first_root(signed_by(*root, {&c.root[1]}));
    REQUIRE_FALSE(one);
    CHECK(one.error().message.find("signed by 1 of the 2") != std::string::npos);
    // The same key twice counts once.
    auto envelope = signed_by(*root, {&c.root[1]});
    envelope["signatures"].push_back(envelope["signatures"][0]);
    CHECK_FALSE(verify_first_root(envelope));
    // A publisher key is no root key, however many sign.
    CHECK_FALSE(verify_first_root(signed_by(*root, {&c.root[0], &c.publisher[0]})));
}

TEST_CASE("root payloads are strict")
{
    ceremony c;
    auto plan = c.plan(1);
    plan.keys[role_name::notify] = publics(c.publisher);
    auto shared = make_root(plan);
    REQUIRE_FALSE(shared);
    CHECK(shared.error().message.find("each role needs keys of its own") != std::string::npos);
    plan = c.plan(1);
    plan.thresholds[role_name::root] = 4;
    CHECK_FALSE(make_root(plan));
    plan = c.plan(1);
    plan.keys.erase(role_name::timestamp);
    CHECK_FALSE(make_root(plan));

    auto root = make_root(c.plan(1));
    REQUIRE(root);
    auto text = root_payload(*root);
    auto back = parse_root_payload(text);
    REQUIRE(back);
    CHECK(*back == *root);
    auto j = nlohmann::json::parse(text);
    auto bad = j;
    bad["roles"]["mirror"] = bad["roles"]["notify"];
    CHECK_FALSE(parse_root_payload(bad.dump()));
    bad = j;
    auto first = bad["keys"].begin().key();
    bad["keys"][first] = base64_encode(std::string(32, 'x'));  // not the key its id names
    CHECK_FALSE(parse_root_payload(bad.dump()));
    bad = j;
    bad["version"] = 0;
    CHECK_FALSE(parse_root_payload(bad.dump()));
    bad = j;
    bad["roles"]["publisher"]["threshold"] = 0;
    CHECK_FALSE(parse_root_payload(bad.dump()));
}

TEST_CASE("a rotation needs the old root's threshold and the new one's")
{
    ceremony c;
    auto v1 = *make_root(c.plan(1));
    // v2 replaces root key 0 by a new one and revokes the publisher key.
    ceremony next = c;
    next.root[0] = *private_key::generate();
    next.publisher = make_keys(1);
    auto v2 = *make_root(next.plan(2));

    // Old keys 1 and 2 are in both sets; with key 0 (old) and the new key 0:
    auto good = signed_by(v2, {&c.root[0], &c.root[1], &next.root[0]});
    auto followed = verify_next_root(v1, good);
    REQUIRE(followed);
    CHECK(followed->version == 2);

    // Only the new root's keys: a stolen new set cannot take over.
    auto only_new = signed_by(v2, {&next.root[0]});
    CHECK_FALSE(verify_next_root(v1, only_new));
    // One old key and the new one: below the old threshold.
    auto one_old = signed_by(v2, {&c.root[0], &next.root[0]});
    auto refused = verify_next_root(v1, one_old);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("not signed by the trusted root's keys") != std::string::npos);
    // Two old keys but not the new threshold (old key 0 is not in v2).
    auto old_only = signed_by(v2, {&c.root[0], &c.root[1]});
    CHECK_FALSE(verify_next_root(v1, old_only));
    // Skipping a version is refused.
    auto v3 = *make_root(next.plan(3));
    CHECK_FALSE(verify_next_root(v1, signed_by(v3, {&c.root[1], &c.root[2]})));

    // The chain: v2 then v3; a stale v1 in the list is skipped.
    auto v3_env = signed_by(v3, {&next.root[0], &next.root[1]});
    auto chain = follow_root_chain(v1, {signed_by(v1, {&c.root[0], &c.root[1]}), good, v3_env});
    CHECK_FALSE(chain.stopped);
    CHECK(chain.newest.version == 3);
    // A bad link stops the chain at the last good root, with the reason.
    auto broken = follow_root_chain(v1, {good, signed_by(v3, {&next.root[0]})});
    CHECK(broken.newest.version == 2);
    REQUIRE(broken.stopped);
}

TEST_CASE("a revoked publisher key stops verifying with the next root")
{
    ceremony c;
    auto v1 = *make_root(c.plan(1));
    ceremony next = c;
    next.publisher = make_keys(1);
    auto v2 = *make_root(next.plan(2));
    auto entry = dsse_sign(update_payload_type, "{}", c.publisher[0]);
    CHECK(verify_by_role(v1, role_name::publisher, entry, update_payload_type));
    auto refused = verify_by_role(v2, role_name::publisher, entry, update_payload_type);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("publisher role of root v2") != std::string::npos);
    CHECK(verify_by_role(v2, role_name::publisher, dsse_sign(update_payload_type, "{}", next.publisher[0]),
                         update_payload_type));
    // Domain separation: a timestamp key cannot sign an entry, nor a publisher
    // key a timestamp, nor an entry pass as a timestamp.
    CHECK_FALSE(verify_by_role(v1, role_name::publisher, dsse_sign(update_payload_type, "{}", c.timestamp[0]),
                               update_payload_type));
    CHECK_FALSE(verify_by_role(v1, role_name::timestamp, entry, timestamp_payload_type));
    CHECK(v1.expired(2'000'000'000));
    CHECK_FALSE(v1.expired(1'999'999'999));
}

TEST_CASE("timestamp statements: role, lifetime, heads")
{
    ceremony c;
    auto root = *make_root(c.plan(1));
    timestamp_statement s{1000, 1000 + 3600, 57, {{"av", 12}, {"sys", 4}}};
    auto envelope = sign_timestamp(s, c.timestamp[0]);
    auto fresh = verify_timestamp(root, envelope, 1500, 60);
    REQUIRE(fresh);
    CHECK(fresh->verdict == timestamp_verdict::fresh);
    CHECK(fresh->statement == s);
    CHECK(fresh->statement.head_of("av") == 12);
    CHECK(fresh->statement.head_of("other") == 0);
    CHECK(verify_timestamp(root, envelope, 4600, 60)->verdict == timestamp_verdict::expired);
    CHECK(verify_timestamp(root, envelope, 900, 60)->verdict == timestamp_verdict::not_yet_valid);
    CHECK(verify_timestamp(root, envelope, 950, 60)->verdict == timestamp_verdict::fresh);
    // Signed by the publisher (or anyone but the timestamp role): refused.
    CHECK_FALSE(verify_timestamp(root, sign_timestamp(s, c.publisher[0]), 1500, 60));
    // A statement that claims to be news for more than a week is refused.
    timestamp_statement long_lived{1000, 1000 + 8 * 86400, 57, {}};
    CHECK_FALSE(verify_timestamp(root, sign_timestamp(long_lived, c.timestamp[0]), 1500, 60));
    // A head beyond the log head is refused.
    timestamp_statement beyond{1000, 2000, 5, {{"av", 6}}};
    CHECK_FALSE(verify_timestamp(root, sign_timestamp(beyond, c.timestamp[0]), 1500, 60));
    auto text = timestamp_payload(s);
    CHECK(parse_timestamp_payload(text) == s);
}

// expires - issued overflowed for a negative issued (UBSan in
// test/fuzz/timestamp_statement_fuzz, seed lifetime-overflow), so a
// statement from 1677 to 2262 passed the one-week cap and never expired.
TEST_CASE("timestamp statements: a lifetime that does not fit in 64 bits is refused")
{
    struct row {
        const char* label;
        const char* issued;
        const char* expires;
    };
    const row rows[] = {
        {"the widest span", "-9223372036854775808", "9223372036854775807"},
        {"from the earliest time to now", "-9223372036854775808", "1763900060"},
        {"a negative issued, one week and a second", "-604801", "0"},
    };
    for (const auto& r : rows) {
        std::string label = r.label;
        CAPTURE(label);
        auto text = cat(R"({"type":"uun-timestamp","issued":)", r.issued, R"(,"expires":)", r.expires,
                        R"(,"log_head":1,"heads":{}})");
        CHECK_FALSE(parse_timestamp_payload(text));
    }
    // The same shape within the week still parses: the check is the lifetime, not the sign.
    CHECK(parse_timestamp_payload(R"({"type":"uun-timestamp","issued":-100,"expires":100,"log_head":1,"heads":{}})"));
}

// A "type" that is not a string made nlohmann's value() throw out of the
// parser (test/fuzz/timestamp_statement_fuzz, seed type-not-a-string): a
// server holding the timestamp key could stop every updater it serves.
TEST_CASE("timestamp statements: a type of the wrong kind is an error, not an exception")
{
    struct row {
        const char* label;
        const char* type;
    };
    const row rows[] = {
        {"a number", "-9223372036854775808"},
        {"an object", R"({"uun-timestamp":1})"},
        {"a list", R"(["uun-timestamp"])"},
        {"null", "null"},
    };
    for (const auto& r : rows) {
        std::string label = r.label;
        CAPTURE(label);
        auto text = cat(R"({"type":)", r.type, R"(,"issued":1,"expires":2,"log_head":1,"heads":{}})");
        result<timestamp_statement> parsed = fail("not run");
        CHECK_NOTHROW(parsed = parse_timestamp_payload(text));
        CHECK_FALSE(parsed);
    }
}
