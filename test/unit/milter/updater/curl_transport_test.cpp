// The curl transport against a real TLS peer: certificate and name checks,
// public key pinning, https only, no redirects, the answer size limit, slow
// and silent servers, the source address, and a resumed download with Range.
#include "lib/util/digest.hpp"
#include "milter/updater/curl_transport.hpp"
#include "milter/updater/downloader.hpp"
#include "test/unit/milter/updater/tls_peer.hpp"
#include "test/unit/milter/updater/world.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace uun;
using namespace uun::updater;
using namespace std::chrono_literals;

namespace {

// One CA and two peers for the whole file: 127.0.4.1 matches its
// certificate, 127.0.4.3 serves the same certificate under a name it lacks.
struct peers {
    test::scratch_dir dir;
    std::string ca_dir = dir.file("ca");
    std::string other_ca_dir = dir.file("other-ca");
    std::string docroot = dir.file("payloads");
    std::unique_ptr<test::tls_peer> good;
    std::unique_ptr<test::tls_peer> misnamed;

    peers()
    {
        ::mkdir(docroot.c_str(), 0755);
        test::make_test_ca(ca_dir, "IP:127.0.4.1");
        test::make_test_ca(other_ca_dir, "IP:127.0.4.1");
        good = std::make_unique<test::tls_peer>("127.0.4.1", ca_dir, docroot);
        misnamed = std::make_unique<test::tls_peer>("127.0.4.3", ca_dir, docroot);
    }

    curl_settings settings() const
    {
        curl_settings s;
        s.server = good->url();
        s.ca_file = ca_dir + "/ca.pem";
        s.timeouts.connect = 5s;
        s.timeouts.request = 10s;
        s.timeouts.download = 10s;
        s.timeouts.low_speed_time = 2s;
        s.timeouts.low_speed_limit = 100;
        s.user_agent = "unit_updater";
        return s;
    }

    std::string pin() const
    {
        return "sha256//" + test::run_shell(cat("openssl x509 -in ", ca_dir,
                                                "/peer.crt -pubkey -noout | openssl pkey -pubin -outform der | "
                                                "openssl dgst -sha256 -binary | base64"));
    }
};

peers& the_peers()
{
    static peers p;
    return p;
}

struct exchange {
    result<void> done;
    long status;
    std::string body;
    long long ms;
};

exchange post(const curl_settings& settings, const std::string& path, std::size_t limit = 65536)
{
    auto t = curl_transport::create(settings);
    REQUIRE(t);
    buffer_sink sink(limit);
    auto start = std::chrono::steady_clock::now();
    http_request request{http_request::verb::post, http_request::purpose::api, path, R"({"id": "gw-1"})", 0};
    auto done = (*t)->perform(request, sink);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    return {done, sink.head().status, sink.body(), ms};
}

std::string message(const exchange& e)
{
    return e.done ? std::string("(succeeded)") : e.done.error().message;
}

}  // namespace

TEST_CASE("a poll over TLS with the test CA works")
{
    auto& p = the_peers();
    auto e = post(p.settings(), "/v1/poll");
    INFO(message(e));
    REQUIRE(e.done);
    CHECK(e.status == 200);
    auto j = nlohmann::json::parse(e.body);
    CHECK(j.at("more") == false);
}

TEST_CASE("source_address chooses where the poll comes from")
{
    auto& p = the_peers();
    auto s = p.settings();
    s.source_address = "127.0.4.2";
    auto e = post(s, "/v1/poll");
    INFO(message(e));
    REQUIRE(e.done);
    CHECK(nlohmann::json::parse(e.body).at("peer") == "127.0.4.2");
}

TEST_CASE("TLS problems stop the request")
{
    auto& p = the_peers();
    struct row {
        const char* label;
        std::function<void(curl_settings&)> change;
        const char* want;
    };
    const row rows[] = {
        {"a CA that did not sign the certificate", [&](curl_settings& s) { s.ca_file = p.other_ca_dir + "/ca.pem"; },
         "certificate problem"},
        {"the system store, which does not hold the test CA", [](curl_settings& s) { s.ca_file.clear(); },
         "certificate problem"},
        {"a name the certificate does not carry", [&](curl_settings& s) { s.server = p.misnamed->url(); },
         "subject name"},
        {"a wrong public key pin",
         [](curl_settings& s) { s.pinned_public_key = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; },
         "does not match pinned public key"},
        {"plain http", [&](curl_settings& s) { s.server = "http://127.0.4.1:" + s.server.substr(s.server.rfind(':') + 1); },
         "not supported or disabled"},
    };
    for (const auto& r : rows) {
        auto s = p.settings();
        r.change(s);
        auto e = post(s, "/v1/poll");
        INFO(std::string(r.label), ": ", message(e));
        REQUIRE_FALSE(e.done);
        CHECK(e.body.empty());
        CHECK(e.done.error().message.find(r.want) != std::string::npos);
    }
}

TEST_CASE("the right public key pin is accepted")
{
    auto& p = the_peers();
    auto s = p.settings();
    s.pinned_public_key = p.pin();
    auto e = post(s, "/v1/poll");
    INFO(message(e));
    CHECK(e.done);
}

TEST_CASE("a redirect is not followed")
{
    auto& p = the_peers();
    auto e = post(p.settings(), "/redirect");
    INFO(message(e));
    REQUIRE(e.done);
    CHECK(e.status == 302);
    CHECK(e.body.empty());
}

TEST_CASE("an endless answer is cut at the size limit")
{
    auto& p = the_peers();
    auto e = post(p.settings(), "/endless", 256 * 1024);
    MESSAGE("the endless answer was cut after ", e.ms, " ms");
    REQUIRE_FALSE(e.done);
    CHECK(e.done.error().message.find("exceeds the limit") != std::string::npos);
    CHECK(e.body.size() <= 256 * 1024);
}

TEST_CASE("a server that answers too slowly, or not at all, is given up on")
{
    auto& p = the_peers();
    auto slow = post(p.settings(), "/slow");
    MESSAGE("the trickling answer was given up after ", slow.ms, " ms: ", message(slow));
    REQUIRE_FALSE(slow.done);
    CHECK(slow.done.error().message.find("too slow") != std::string::npos);
    auto s = p.settings();
    s.timeouts.request = 2s;
    auto silent = post(s, "/hang");
    MESSAGE("the silent server was given up after ", silent.ms, " ms: ", message(silent));
    REQUIRE_FALSE(silent.done);
    CHECK(silent.done.error().message.find("timed out") != std::string::npos);
}

TEST_CASE("a download resumes over real HTTP with Range")
{
    auto& p = the_peers();
    std::string bytes;
    for (int i = 0; i < 100000; ++i)
        bytes += static_cast<char>('A' + (i * 7) % 26);
    proto::update_entry e;
    e.seq = 1;
    e.sha256 = sha256_hex(bytes);
    e.size = bytes.size();
    test::spit(p.docroot + "/" + e.sha256, bytes);

    test::scratch_dir partial;
    test::spit(partial.file(e.sha256), bytes.substr(0, 40000));
    auto t = curl_transport::create(p.settings());
    REQUIRE(t);
    auto got = download_payload(**t, partial.path(), e, 0);
    INFO(got.detail);
    REQUIRE(got.status == download_status::complete);
    CHECK(test::slurp(got.path) == bytes);

    // A payload the server does not hold: transient, nothing left behind.
    proto::update_entry missing = e;
    missing.sha256 = std::string(64, 'a');
    auto none = download_payload(**t, partial.path(), missing, 0);
    CHECK(none.status == download_status::transient);
    CHECK(none.detail.find("404") != std::string::npos);
}
