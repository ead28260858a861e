// Appliance keys and admission in the SQLite store (issue 14): a row is
// bound to a key, a token-only row moves to the key of a poll with its
// token, another key becomes an admission request the admin accepts or
// rejects, and nothing an unadmitted appliance does touches the registry.
#include "lib/proto/appliance_key.hpp"
#include "lib/util/base64.hpp"
#include "server/store/store.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

using namespace uun;
using store::poll_identity;
using store::registration;

namespace {

std::unique_ptr<store::store> open_in(const test::scratch_dir& dir)
{
    auto s = store::open_sqlite_store(dir.file("store.db"));
    REQUIRE(s);
    return std::move(*s);
}

store::appliance_record appliance(const std::string& id, const std::string& address = "192.0.2.1")
{
    store::appliance_record a;
    a.id = id;
    a.address = address;
    a.notify_recipient = "uun@" + id + ".test";
    a.product = "mg";
    a.version = "3.0";
    a.channels = {"av"};
    a.last_reason = "periodic";
    return a;
}

// A fresh key, as X-UUN-Key carries it.
std::string new_key()
{
    auto k = proto::private_key::generate();
    REQUIRE(k);
    return base64_encode(k->public_part().raw());
}

std::string fingerprint(const std::string& key)
{
    return proto::key_fingerprint_of_base64(key);
}

poll_identity signed_by(const std::string& key, bool admit = true, const std::string& token = "token-hash")
{
    return poll_identity(token, key, admit);
}

}  // namespace

TEST_CASE("a signed poll binds a new row to its key; another key does not take the row")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    std::string real = new_key(), attacker = new_key();
    CHECK(*s->record_poll(appliance("gw-1"), signed_by(real), 1000) == registration::recorded);
    CHECK((*s->find_appliance("gw-1"))->key == real);

    // The attacker knows the id and even the token; its key is not the row's.
    CHECK(*s->record_poll(appliance("gw-1", "203.0.113.9"), signed_by(attacker), 1100) == registration::pending);
    auto row = *s->find_appliance("gw-1");
    CHECK(row->address == "192.0.2.1");
    CHECK(row->key == real);
    CHECK(row->last_seen == 1000);
    // An unsigned poll for a row bound to a key is refused outright.
    CHECK(*s->record_poll(appliance("gw-1", "203.0.113.9"), "token-hash", 1200) == registration::key_required);
    CHECK((*s->find_appliance("gw-1"))->address == "192.0.2.1");

    auto requests = *s->admission_requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].appliance.key == attacker);
    CHECK(requests[0].appliance.address == "203.0.113.9");
    CHECK(requests[0].state == "pending");
}

TEST_CASE("a row bound by token only moves to the key of a signed poll with that token")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    CHECK(*s->record_poll(appliance("gw-1"), "old-token", 1000) == registration::recorded);
    CHECK((*s->find_appliance("gw-1"))->key.empty());
    std::string attacker = new_key(), real = new_key();
    CHECK(*s->record_poll(appliance("gw-1"), signed_by(attacker, true, "guessed"), 1100) == registration::pending);
    CHECK((*s->find_appliance("gw-1"))->key.empty());
    CHECK(*s->record_poll(appliance("gw-1"), signed_by(real, true, "old-token"), 1200) == registration::recorded);
    CHECK((*s->find_appliance("gw-1"))->key == real);
    // Bound now: its old token alone no longer polls.
    CHECK(*s->record_poll(appliance("gw-1"), "old-token", 1300) == registration::key_required);
}

TEST_CASE("under a policy that admits by key, a new id waits for the admin, who accepts one key")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    std::string attacker = new_key(), real = new_key();
    // The attacker polls first, as in the issue; neither key makes a row.
    CHECK(*s->record_poll(appliance("gw-0001", "203.0.113.9"), signed_by(attacker, false), 1000) ==
          registration::pending);
    CHECK(*s->record_poll(appliance("gw-0001", "192.0.2.1"), signed_by(real, false), 1010) == registration::pending);
    CHECK(!s->find_appliance("gw-0001")->has_value());
    CHECK(*s->record_poll(appliance("gw-0002"), "token", 1020) == registration::recorded);  // admit: open
    CHECK(*s->record_poll(appliance("gw-0003"), poll_identity("token", "", false), 1020) ==
          registration::key_required);
    CHECK(s->appliances(0)->size() == 1);
    CHECK(s->counts()->admission_requests == 2);

    auto ambiguous = s->accept_appliance("gw-0001", "");
    REQUIRE(!ambiguous);
    CHECK(ambiguous.error().message.find("2 pending keys") != std::string::npos);
    auto unknown = s->accept_appliance("gw-0001", "SHA256:nope");
    REQUIRE(!unknown);
    CHECK(unknown.error().message.find("no pending admission request with key SHA256:nope") != std::string::npos);

    auto accepted = s->accept_appliance("gw-0001", fingerprint(real));
    REQUIRE(accepted);
    CHECK(accepted->key == real);
    CHECK(accepted->address == "192.0.2.1");
    CHECK(accepted->first_seen == 1010);
    CHECK(*s->reject_appliance("gw-0001", "") == 1);
    CHECK(*s->record_poll(appliance("gw-0001", "203.0.113.9"), signed_by(attacker, false), 1100) ==
          registration::rejected);
    CHECK(*s->record_poll(appliance("gw-0001", "192.0.2.7"), signed_by(real, false), 1100) == registration::recorded);
    CHECK((*s->find_appliance("gw-0001"))->address == "192.0.2.7");
    // A rejected key stays rejected through later polls; --forget starts the id over.
    CHECK(*s->reject_appliance("gw-0001", "") == 0);
    CHECK(*s->forget_appliance("gw-0001"));
    CHECK(s->admission_requests()->empty());
    CHECK(!s->find_appliance("gw-0001")->has_value());
}

TEST_CASE("accepting another key of an admitted id is the admin's re-key")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    std::string old_key = new_key(), replacement = new_key();
    CHECK(*s->record_poll(appliance("gw-1"), signed_by(old_key), 1000) == registration::recorded);
    CHECK(*s->record_poll(appliance("gw-1", "192.0.2.8"), signed_by(replacement), 1100) == registration::pending);
    REQUIRE(s->accept_appliance("gw-1", ""));
    CHECK((*s->find_appliance("gw-1"))->key == replacement);
    CHECK(*s->record_poll(appliance("gw-1"), signed_by(old_key), 1200) == registration::pending);
}

TEST_CASE("admission requests per id are capped, and the sweep removes stale ones")
{
    test::scratch_dir dir;
    auto s = open_in(dir);
    for (std::size_t i = 0; i < store::max_requests_per_id; ++i)
        CHECK(*s->record_poll(appliance("gw-1"), signed_by(new_key(), false), 1000) == registration::pending);
    CHECK(*s->record_poll(appliance("gw-1"), signed_by(new_key(), false), 1000) == registration::request_limit);
    CHECK(s->admission_requests()->size() == store::max_requests_per_id);
    std::string late = new_key();
    CHECK(*s->record_poll(appliance("gw-2"), signed_by(late, false), 5000) == registration::pending);
    CHECK(*s->sweep_registry(2000) == 0);  // rows removed; requests go too
    auto left = *s->admission_requests();
    REQUIRE(left.size() == 1);
    CHECK(left[0].appliance.key == late);
}
