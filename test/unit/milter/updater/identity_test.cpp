// The appliance's own key and enrollment secret (appliance_identity.cpp) and
// the signature every poll and report carries (poll_cycle), checked with
// the server's verify_request: made once 0600 and never replaced, a key
// others may read or a damaged one refused with what to do, the secret
// sent on polls only. All in a scratch dir against the fake server.
#include "lib/proto/appliance_key.hpp"
#include "milter/updater/appliance_identity.hpp"
#include "test/unit/milter/updater/world.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace uun;
using namespace uun::updater;
using uun::proto::poll_reason;
using uun::test::world;

namespace {

std::string header(const http_request& request, std::string_view name)
{
    for (const auto& [n, v] : request.headers)
        if (n == name)
            return v;
    return "";
}

bool has_header(const http_request& request, std::string_view name)
{
    for (const auto& h : request.headers)
        if (h.first == name)
            return true;
    return false;
}

}  // namespace

TEST_CASE("the identity key is made once, 0600, and the same key comes back")
{
    test::scratch_dir dir;
    state_store store(dir.file("state"));
    REQUIRE(store.prepare());
    auto first = load_or_make_identity_key(store.dir());
    REQUIRE(first);
    struct stat st { };
    REQUIRE(::stat(dir.file("state/identity.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto second = load_or_make_identity_key(store.dir());
    REQUIRE(second);
    CHECK(second->public_part().raw() == first->public_part().raw());
    auto identity = load_appliance_identity(store.dir(), "");
    REQUIRE(identity);
    CHECK(identity->fingerprint == proto::key_fingerprint(first->public_part().raw()));
    CHECK(identity->fingerprint.starts_with("SHA256:"));
    CHECK(identity->enrollment_secret.empty());
}

TEST_CASE("a damaged or exposed identity key is refused and left as it is")
{
    test::scratch_dir dir;
    state_store store(dir.file("state"));
    REQUIRE(store.prepare());
    std::string path = dir.file("state/identity.key");

    test::spit(path, "not a key\n");
    ::chmod(path.c_str(), 0600);
    auto damaged = load_or_make_identity_key(store.dir());
    REQUIRE_FALSE(damaged);
    CHECK(damaged.error().message.find(path) != std::string::npos);
    CHECK(damaged.error().message.find("restore the file from a backup") != std::string::npos);
    CHECK(test::slurp(path) == "not a key\n");  // never replaced by a new key

    test::spit(path, proto::private_key::generate()->pem());
    ::chmod(path.c_str(), 0644);
    auto exposed = load_or_make_identity_key(store.dir());
    REQUIRE_FALSE(exposed);
    CHECK(exposed.error().message.find("mode 644") != std::string::npos);
    CHECK(exposed.error().message.find("chmod 600") != std::string::npos);
}

TEST_CASE("the enrollment secret: one private line, or a clear refusal")
{
    test::scratch_dir dir;
    state_store store(dir.file("state"));
    REQUIRE(store.prepare());
    std::string secret = dir.file("mg-5000.secret");

    test::spit(secret, "correct-horse-battery-staple\n");
    ::chmod(secret.c_str(), 0600);
    auto good = load_appliance_identity(store.dir(), secret);
    REQUIRE(good);
    CHECK(good->enrollment_secret == "correct-horse-battery-staple");

    ::chmod(secret.c_str(), 0640);
    auto shared = load_appliance_identity(store.dir(), secret);
    REQUIRE_FALSE(shared);
    CHECK(shared.error().message.find("appliance.enrollment_secret_file: ") == 0);
    CHECK(shared.error().message.find("chmod 600") != std::string::npos);

    test::spit(secret, "short\n");
    ::chmod(secret.c_str(), 0600);
    auto short_one = load_appliance_identity(store.dir(), secret);
    REQUIRE_FALSE(short_one);
    CHECK(short_one.error().message.find("16 to 256 characters") != std::string::npos);

    auto missing = load_appliance_identity(store.dir(), dir.file("nowhere.secret"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("nowhere.secret") != std::string::npos);
}

TEST_CASE("polls and reports are signed with the appliance's key; the secret goes with polls only")
{
    world w;
    test::spit(w.dir.file("enroll.secret"), "0123456789abcdef-enroll\n");
    ::chmod(w.dir.file("enroll.secret").c_str(), 0600);
    REQUIRE(w.store->prepare());
    auto identity = load_appliance_identity(w.config.state_dir, w.dir.file("enroll.secret"));
    REQUIRE(identity);
    w.publish(1, "av", "signatures v1");
    auto s = w.service();
    s->sign_as(*identity);
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.installed == 1);

    std::string raw_key = identity->key.public_part().raw();
    int polls = 0, reports = 0;
    for (const auto& r : w.server.requests) {
        if (r.path != proto::poll_path && r.path != proto::report_path) {
            CHECK_FALSE(has_header(r, proto::appliance_header::signature));  // payload downloads carry nothing
            continue;
        }
        auto proved = proto::verify_request(header(r, proto::appliance_header::key),
                                            header(r, proto::appliance_header::signature), r.path, r.body);
        REQUIRE_MESSAGE(proved, r.path);
        CHECK(*proved == raw_key);
        // The same signature does not pass for the other path or another body.
        std::string_view other = r.path == proto::poll_path ? proto::report_path : proto::poll_path;
        CHECK_FALSE(proto::verify_request(header(r, proto::appliance_header::key),
                                          header(r, proto::appliance_header::signature), other, r.body));
        CHECK_FALSE(proto::verify_request(header(r, proto::appliance_header::key),
                                          header(r, proto::appliance_header::signature), r.path, r.body + " "));
        if (r.path == proto::poll_path) {
            ++polls;
            CHECK(header(r, proto::appliance_header::enrollment) == "0123456789abcdef-enroll");
        } else {
            ++reports;
            CHECK_FALSE(has_header(r, proto::appliance_header::enrollment));
        }
    }
    CHECK(polls == 1);
    CHECK(reports == 1);
}
