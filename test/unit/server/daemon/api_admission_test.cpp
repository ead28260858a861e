// The api's half of appliance identity (issue 14): a poll's signature is
// checked against the key it names, registry.admission decides who makes a
// row, an unadmitted appliance gets its entries and no row, a rejected key
// gets 403, and a row bound to a key takes only that key's reports.
#include "lib/proto/appliance_key.hpp"
#include "lib/util/file_util.hpp"
#include "test/unit/server/daemon/api_world.hpp"

#include <sys/stat.h>

using namespace uun;
using namespace uun::daemon;
using namespace uun::daemon::api_world;

namespace {

using fields = std::vector<std::pair<std::string, std::string>>;

fields signed_fields(const proto::private_key& key, const std::string& path, const std::string& body,
                     const std::string& secret = "")
{
    auto h = proto::sign_request(key, path, body);
    fields out{{std::string(proto::appliance_header::key), h.key},
               {std::string(proto::appliance_header::signature), h.signature}};
    if (!secret.empty())
        out.emplace_back(std::string(proto::appliance_header::enrollment), secret);
    return out;
}

// registry.admission as server.yaml would give it, with mg-5000's secret file.
admission_rules rules(const test::scratch_dir& dir, const std::string& policy)
{
    settings::registry_config r;
    r.admission = policy;
    r.enrollment_dir = dir.file("enroll");
    ::mkdir(r.enrollment_dir.c_str(), 0700);
    REQUIRE(write_file_atomic(r.enrollment_dir + "/mg-5000.secret", "s3cret-for-mg-5000-line\n", 0600));
    auto loaded = admission_rules::load(r);
    REQUIRE(loaded);
    return *loaded;
}

struct appliance_client {
    proto::private_key key = *proto::private_key::generate();
    std::string token = new_token();

    http_reply poll(world& w, const std::string& id, const std::string& peer, const std::string& secret = "") const
    {
        std::string body = poll_body(id, token).dump();
        return w.request(http::verb::post, "/v1/poll", body, peer, signed_fields(key, "/v1/poll", body, secret));
    }
    http_reply report(world& w, const std::string& id, const proto::private_key& signer) const
    {
        std::string body =
            nlohmann::json{{"id", id}, {"token", token}, {"seq", 1}, {"status", "installed"}, {"detail", ""}}.dump();
        return w.request(http::verb::post, "/v1/report", body, "192.0.2.1",
                         signed_fields(signer, "/v1/report", body));
    }
    std::string fingerprint() const { return proto::key_fingerprint(key.public_part().raw()); }
};

}  // namespace

TEST_CASE("a poll with a signature that does not verify gets 401 and touches nothing")
{
    world w;
    appliance_client gw;
    std::string body = poll_body("gw-1", gw.token).dump();
    auto h = signed_fields(gw.key, "/v1/poll", body);
    struct row {
        const char* label;
        fields headers;
        std::string body;
        const char* says;
    };
    fields only_key{h[0]};
    fields report_signature = signed_fields(gw.key, "/v1/report", body);
    fields other_body = signed_fields(gw.key, "/v1/poll", body + " ");
    const row rows[] = {
        {"the key without a signature", only_key, body, "has only X-UUN-Key"},
        {"a report's signature on a poll", report_signature, body, "does not verify"},
        {"a signature over other bytes", other_body, body, "does not verify"},
        {"a key that is not base64", {{"X-UUN-Key", "!!"}, h[1]}, body, "not the base64 of a 32-byte"},
    };
    for (const auto& r : rows) {
        auto got = w.request(http::verb::post, "/v1/poll", r.body, "192.0.2.1", r.headers);
        INFO(r.label, ": ", got.body().text);
        CHECK(got.result() == http::status::unauthorized);
        CHECK(got.body().text.find(r.says) != std::string::npos);
    }
    CHECK_FALSE(w.db->find_appliance("gw-1").value());
    CHECK(gw.poll(w, "gw-1", "192.0.2.1").result() == http::status::ok);
    CHECK((*w.db->find_appliance("gw-1"))->key == h[0].second);
}

TEST_CASE("registry.admission accept: the first to poll an id gets entries but no row; the admin picks the key")
{
    test::scratch_dir enroll;
    auto policy = rules(enroll, "accept");
    world w({}, nullptr, [&](api_settings& s) { s.admits = policy; });
    appliance_client attacker, real;
    auto first = attacker.poll(w, "gw-0001", "203.0.113.9");
    CHECK(first.result() == http::status::ok);
    CHECK(body_json(first)["registered"] == false);
    CHECK(body_json(first).contains("entries"));
    CHECK(real.poll(w, "gw-0001", "192.0.2.1").result() == http::status::ok);
    CHECK_FALSE(w.db->find_appliance("gw-0001").value());  // no row: no UUN goes anywhere

    // An unsigned poll for a new id: the policy admits by key.
    auto unsigned_poll = w.request(http::verb::post, "/v1/poll", poll_body("gw-0002", new_token()).dump());
    CHECK(unsigned_poll.result() == http::status::unauthorized);
    CHECK(unsigned_poll.body().text.find("registry.admission is accept") != std::string::npos);

    REQUIRE(w.db->accept_appliance("gw-0001", real.fingerprint()));
    REQUIRE(w.db->reject_appliance("gw-0001", "") == 1);
    auto refused = attacker.poll(w, "gw-0001", "203.0.113.9");
    CHECK(refused.result() == http::status::forbidden);
    CHECK(refused.body().text.find("was rejected by the vendor") != std::string::npos);
    auto admitted = real.poll(w, "gw-0001", "192.0.2.1");
    CHECK(body_json(admitted)["registered"] == true);
    CHECK((*w.db->find_appliance("gw-0001"))->address == "192.0.2.1");
}

TEST_CASE("registry.admission secret: the product line's secret admits at once; a wrong one waits")
{
    test::scratch_dir enroll;
    auto policy = rules(enroll, "secret");
    world w({}, nullptr, [&](api_settings& s) { s.admits = policy; });
    appliance_client with_secret, wrong_secret, without;
    CHECK(body_json(with_secret.poll(w, "gw-1", "192.0.2.1", "s3cret-for-mg-5000-line"))["registered"] == true);
    CHECK(body_json(wrong_secret.poll(w, "gw-2", "192.0.2.2", "s3cret-for-mg-5000-lin"))["registered"] == false);
    CHECK(body_json(without.poll(w, "gw-3", "192.0.2.3"))["registered"] == false);
    CHECK(w.db->find_appliance("gw-1").value());
    CHECK_FALSE(w.db->find_appliance("gw-2").value());
    CHECK_FALSE(w.db->find_appliance("gw-3").value());
    CHECK(w.db->admission_requests()->size() == 2);
}

TEST_CASE("a row bound to a key takes reports signed by that key only")
{
    world w;
    w.publish("av", "payload");
    appliance_client gw, other;
    REQUIRE(gw.poll(w, "gw-1", "192.0.2.1").result() == http::status::ok);
    CHECK(gw.report(w, "gw-1", gw.key).result() == http::status::ok);
    auto forged = gw.report(w, "gw-1", other.key);  // right token, wrong key
    CHECK(forged.result() == http::status::forbidden);
    CHECK(forged.body().text.find("signed by another key") != std::string::npos);
    std::string body =
        nlohmann::json{{"id", "gw-1"}, {"token", gw.token}, {"seq", 1}, {"status", "installed"}, {"detail", ""}}
            .dump();
    CHECK(w.request(http::verb::post, "/v1/report", body).result() == http::status::unauthorized);
}
