// uun-milter's UUN keys from a v2 root file (key_source.hpp): only the notify
// role counts, a newer root replaces the keys without a restart, a rollback,
// a bad file or another root of the same version keeps the keys in use, and
// a missing or bad root stops the start with the file named.
#include "lib/proto/dsse.hpp"
#include "milter/filter/key_source.hpp"
#include "test/unit/milter/filter/session_world.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

using namespace uun;
using namespace uun::filter;
using namespace uun::filter::session_world;

namespace {

// One vendor's keys: the root key stays, notify keys may be rotated.
struct vendor {
    proto::private_key root = new_key();
    proto::private_key publisher = new_key();
    proto::private_key timestamp = new_key();
    proto::private_key notify = new_key();

    nlohmann::json root_file(std::uint64_t version, std::int64_t expires = start_time + 86400,
                             const proto::private_key* signer = nullptr) const
    {
        proto::root_plan plan;
        plan.version = version;
        plan.expires = expires;
        plan.keys = {{proto::role_name::root, {root.public_part()}},
                     {proto::role_name::publisher, {publisher.public_part()}},
                     {proto::role_name::timestamp, {timestamp.public_part()}},
                     {proto::role_name::notify, {notify.public_part()}}};
        auto made = proto::make_root(plan);
        REQUIRE(made);
        auto envelope = proto::root_envelope(*made);
        REQUIRE(proto::dsse_add_signature(envelope, proto::root_payload_type, signer ? *signer : root));
        return envelope;
    }
};

// As the updater does it: a new file renamed over the old one.
void install(const std::string& path, const std::string& text)
{
    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
    }
    std::filesystem::rename(tmp, path);
}

void install(const std::string& path, const nlohmann::json& envelope)
{
    install(path, envelope.dump());
}

bool trusts(key_source& source, const proto::private_key& key)
{
    return source.current()->find(key.id()) != nullptr;
}

std::unique_ptr<key_source> open_source(const std::vector<std::string>& paths, const uun::clock& time)
{
    auto source = key_source::from_root(paths, time);
    INFO((source ? std::string() : source.error().message));
    REQUIRE(source);
    return std::move(*source);
}

}  // namespace

TEST_CASE("only the notify role of the root signs UUNs")
{
    world w;
    vendor v;
    install(w.dir.file("root.json"), v.root_file(1));
    auto source = open_source({w.dir.file("root.json")}, w.clock);
    CHECK(source->root_version() == 1);
    CHECK(trusts(*source, v.notify));
    for (const auto* other : {&v.root, &v.publisher, &v.timestamp})
        CHECK_FALSE(trusts(*source, *other));

    filter_context context{.config = w.config, .keys = *source, .cache = *w.cache, .spool = *w.spool, .time = w.clock};
    struct row {
        const char* label;
        const proto::private_key* signer;
        step want;
    };
    const row rows[] = {
        {"signed by the notify key: discarded with a trigger", &v.notify, step::discard},
        {"signed by the publisher key: refused", &v.publisher, step::reject},
        {"signed by the timestamp key: refused", &v.timestamp, step::reject},
        {"signed by the root key: refused", &v.root, step::reject},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        session s(context);
        auto got = deliver(s, {{"X-UUN", w.uun(42, 0, 3600, r.signer)}});
        CHECK(got.final_step == r.want);
        if (r.want == step::reject) {
            REQUIRE(got.replies.size() == 1);
            CHECK(got.replies[0].starts_with("550 5.7.1 Invalid UUN in X-UUN header: key "));
        }
    }
    CHECK(w.triggers().size() == 1);
}

TEST_CASE("a newer root replaces the notify keys at the next check, without a restart")
{
    world w;
    vendor v;
    std::string path = w.dir.file("root.json");
    install(path, v.root_file(1));
    auto source = open_source({path}, w.clock);
    proto::private_key old_notify = v.notify;
    v.notify = new_key();
    install(path, v.root_file(2));

    CHECK(trusts(*source, old_notify));  // same second as the start: not checked yet
    w.clock.advance(1);
    CHECK(source->root_version() == 1);  // root_version() does not check; current() does
    CHECK_FALSE(trusts(*source, old_notify));
    CHECK(trusts(*source, v.notify));
    CHECK(source->root_version() == 2);
}

TEST_CASE("a root file that does not replace the one in use keeps its keys")
{
    struct row {
        const char* label;
        std::function<void(const std::string& path, vendor& v)> replace;
    };
    const row rows[] = {
        {"an older version (rollback)", [](const std::string& p, vendor& v) { install(p, v.root_file(2)); }},
        {"not JSON", [](const std::string& p, vendor&) { install(p, std::string("{ half a root")); }},
        {"signed by a key not in its root role",
         [](const std::string& p, vendor& v) {
             proto::private_key other = new_key();
             install(p, v.root_file(4, start_time + 86400, &other));
         }},
        {"another root of the same version",
         [](const std::string& p, vendor& v) { install(p, v.root_file(3, start_time + 2 * 86400)); }},
        {"the file removed", [](const std::string& p, vendor&) { std::filesystem::remove(p); }},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        world w;
        vendor v;
        std::string path = w.dir.file("root.json");
        install(path, v.root_file(3));
        auto source = open_source({path}, w.clock);
        proto::private_key in_use = v.notify;
        v.notify = new_key();  // whatever replaces it names another notify key
        r.replace(path, v);
        w.clock.advance(1);
        CHECK(trusts(*source, in_use));
        CHECK_FALSE(trusts(*source, v.notify));
        CHECK(source->root_version() == 3);

        // The keys in use survive; a good newer root still gets through.
        install(path, v.root_file(5));
        w.clock.advance(1);
        CHECK(trusts(*source, v.notify));
        CHECK(source->root_version() == 5);
    }
}

TEST_CASE("the first root file that exists is used, and an earlier one that appears takes over")
{
    world w;
    vendor v;
    std::string updater_copy = w.dir.file("updater-root.json");
    std::string shipped = w.dir.file("shipped-root.json");
    install(shipped, v.root_file(1));
    auto source = open_source({updater_copy, shipped}, w.clock);
    CHECK(source->root_path() == shipped);
    CHECK(trusts(*source, v.notify));

    v.notify = new_key();
    install(updater_copy, v.root_file(2));
    w.clock.advance(1);
    CHECK(trusts(*source, v.notify));
    CHECK(source->root_path() == updater_copy);
    CHECK(source->root_version() == 2);
}

TEST_CASE("an expired root still gives its notify keys")
{
    world w;
    vendor v;
    install(w.dir.file("root.json"), v.root_file(1, start_time - 60));
    auto source = open_source({w.dir.file("root.json")}, w.clock);
    CHECK(trusts(*source, v.notify));
    w.clock.advance(5);
    CHECK(trusts(*source, v.notify));
}

TEST_CASE("a missing or bad root at start is an error naming the file")
{
    world w;
    vendor v;
    std::string a = w.dir.file("a.json");
    std::string b = w.dir.file("b.json");
    struct row {
        const char* label;
        std::function<void()> prepare;
        const char* want1;
        const char* want2;
    };
    const row rows[] = {
        {"none exists", [] {}, "none of the root files exists", "b.json"},
        {"the first that exists does not verify (no fallback to the next)",
         [&] {
             install(a, std::string("[]"));
             install(b, v.root_file(1));
         },
         "a.json", "root"},
        {"signed by a stranger",
         [&] {
             proto::private_key other = new_key();
             install(b, v.root_file(1, start_time + 86400, &other));
         },
         "b.json", "not signed by its own keys"},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        std::filesystem::remove(a);
        std::filesystem::remove(b);
        r.prepare();
        auto got = key_source::from_root({a, b}, w.clock);
        REQUIRE_FALSE(got);
        INFO("got: ", got.error().message);
        CHECK(got.error().message.starts_with("trusted_root: "));
        CHECK(got.error().message.find(r.want1) != std::string::npos);
        CHECK(got.error().message.find(r.want2) != std::string::npos);
    }
}

TEST_CASE("fixed keys (trusted_keys) never change")
{
    world w;
    proto::keyring ring;
    ring.add(w.publisher.public_part());
    auto source = key_source::fixed(ring);
    CHECK_FALSE(source->from_root_file());
    CHECK(source->root_version() == 0);
    w.clock.advance(10);
    CHECK(source->current()->find(w.publisher.id()) != nullptr);
    CHECK(source->describe() == "trusted keys " + w.publisher.id());
}
