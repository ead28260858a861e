// The HTTP API without sockets (api_world.hpp), everything but the poll:
// bad requests and their statuses, reports, payloads with ranges and a
// damaged payload file, metrics, the status page and healthz. Polls and the
// registry are in api_test.cpp.
#include "lib/util/digest.hpp"
#include "lib/util/file_util.hpp"
#include "test/unit/server/daemon/api_world.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace uun;
using namespace uun::daemon;
using namespace uun::daemon::api_world;
using json = nlohmann::json;

TEST_CASE("bad requests get the status doc/protocol.md gives, with a JSON error")
{
    world w;
    struct row {
        const char* label;
        http::verb method;
        std::string target;
        std::string body;
        http::status want;
        const char* allow;
    };
    const row rows[] = {
        {"poll that is not JSON", http::verb::post, "/v1/poll", "{nope", http::status::bad_request, nullptr},
        {"poll missing a field", http::verb::post, "/v1/poll", "{\"id\":\"gw-1\"}", http::status::bad_request, nullptr},
        {"GET on poll", http::verb::get, "/v1/poll", "", http::status::method_not_allowed, "POST"},
        {"PUT on report", http::verb::put, "/v1/report", "", http::status::method_not_allowed, "POST"},
        {"POST on a payload", http::verb::post, "/v1/payloads/" + std::string(64, 'a'), "",
         http::status::method_not_allowed, "GET, HEAD"},
        {"DELETE on healthz", http::verb::delete_, "/healthz", "", http::status::method_not_allowed, "GET, HEAD"},
        {"unknown path", http::verb::get, "/v2/poll", "", http::status::not_found, nullptr},
        {"path with a trailing slash", http::verb::post, "/v1/poll/", "", http::status::not_found, nullptr},
        {"unknown payload", http::verb::get, "/v1/payloads/" + std::string(64, 'a'), "", http::status::not_found,
         nullptr},
        {"payload name not hex", http::verb::get, "/v1/payloads/../../etc/passwd", "", http::status::not_found,
         nullptr},
        {"payload name upper case", http::verb::get, "/v1/payloads/" + std::string(64, 'A'), "",
         http::status::not_found, nullptr},
    };
    for (const auto& r : rows) {
        auto got = w.request(r.method, r.target, r.body);
        INFO(std::string(r.label), ": got ", got.result_int(), " ", got.body().text);
        CHECK(got.result() == r.want);
        CHECK(got[http::field::content_type] == "application/json");
        CHECK(body_json(got).contains("error"));
        if (r.allow)
            CHECK(got[http::field::allow] == r.allow);
    }
    CHECK_FALSE(w.db->find_appliance("gw-1").value());
}

TEST_CASE("reports: 200 with the bound token, 403 with another, 404 for an unknown id")
{
    world w;
    w.publish("av", "one");
    auto token = new_token();
    REQUIRE(w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token).dump()).result() == http::status::ok);
    auto report = [&](const std::string& id, const std::string& t, std::uint64_t seq) {
        return w.request(http::verb::post, "/v1/report",
                         json{{"id", id}, {"token", t}, {"seq", seq}, {"status", "failed"}, {"detail", "hook: exit 3"}}
                             .dump());
    };
    auto ok = report("gw-1", token, 1);
    CHECK(ok.result() == http::status::ok);
    CHECK(ok.body().text == "{\"ok\":true}");
    auto progress = w.db->progress(1);
    REQUIRE(progress);
    REQUIRE(progress->size() == 1);
    CHECK((*progress)[0].status == "failed");
    CHECK((*progress)[0].detail == "hook: exit 3");
    CHECK((*progress)[0].reported_at == start_time);

    CHECK(report("gw-1", new_token(), 1).result() == http::status::forbidden);
    CHECK(report("gw-2", token, 1).result() == http::status::not_found);
    CHECK(report("gw-1", token, 2).result() == http::status::bad_request);  // past the head
    CHECK(w.db->progress(1)->size() == 1);
}

TEST_CASE("payloads: whole, one range, suffix, 416, and HEAD")
{
    world w;
    std::string content;
    for (int i = 0; i < 5000; ++i)
        content += static_cast<char>('a' + i % 26);
    auto e = w.publish("av", content);
    std::string path = "/v1/payloads/" + e.entry.sha256;

    auto whole = w.request(http::verb::get, path);
    REQUIRE(whole.result() == http::status::ok);
    CHECK(whole[http::field::content_type] == "application/octet-stream");
    CHECK(whole[http::field::etag] == "\"" + e.entry.sha256 + "\"");
    CHECK(whole[http::field::accept_ranges] == "bytes");
    CHECK(sha256_hex(file_bytes(whole)) == e.entry.sha256);

    auto part = w.request(http::verb::get, path, "", "127.0.1.9", {{"Range", "bytes=100-199"}});
    REQUIRE(part.result() == http::status::partial_content);
    CHECK(part[http::field::content_range] == "bytes 100-199/5000");
    CHECK(file_bytes(part) == content.substr(100, 100));

    auto tail = w.request(http::verb::get, path, "", "127.0.1.9", {{"Range", "bytes=4990-"}});
    REQUIRE(tail.result() == http::status::partial_content);
    CHECK(file_bytes(tail) == content.substr(4990));

    auto bad = w.request(http::verb::get, path, "", "127.0.1.9", {{"Range", "bytes=5000-"}});
    CHECK(bad.result() == http::status::range_not_satisfiable);
    CHECK(bad[http::field::content_range] == "bytes */5000");

    auto head = w.request(http::verb::head, path);
    CHECK(head.result() == http::status::ok);
    CHECK(reply_body::size(head.body()) == 5000);
}

TEST_CASE("a payload file that does not match the index is a 500, not wrong bytes")
{
    world w;
    auto e = w.publish("av", "the real content");
    REQUIRE(write_file_atomic(w.dir.file("payloads/" + e.entry.sha256), "truncated"));
    auto r = w.request(http::verb::get, "/v1/payloads/" + e.entry.sha256);
    CHECK(r.result() == http::status::internal_server_error);
    CHECK_FALSE(r.body().file);
}

TEST_CASE("metrics, the status page and healthz")
{
    world w;
    w.publish("av", "one", "product=mg-5000");
    w.request(http::verb::post, "/v1/poll", poll_body("gw-1", new_token()).dump());
    w.request(http::verb::get, "/nowhere");

    auto m = w.admin(http::verb::get, "/metrics");
    REQUIRE(m.result() == http::status::ok);
    CHECK(m[http::field::content_type].starts_with("text/plain; version=0.0.4"));
    auto& text = m.body().text;
    CHECK(text.find("uun_http_requests_total{route=\"poll\",status=\"200\"} 1\n") != std::string::npos);
    CHECK(text.find("uun_http_requests_total{route=\"other\",status=\"404\"} 1\n") != std::string::npos);
    CHECK(text.find("uun_polls_total{reason=\"periodic\"} 1\n") != std::string::npos);
    CHECK(text.find("uun_registry_appliances 1\n") != std::string::npos);
    CHECK(text.find("uun_log_head_seq 1\n") != std::string::npos);

    auto page = w.admin(http::verb::get, "/");
    REQUIRE(page.result() == http::status::ok);
    CHECK(page[http::field::content_type] == "text/html; charset=utf-8");
    CHECK(page.body().text.find("Log head seq: <b>1</b>") != std::string::npos);
    CHECK(page.body().text.find("Registered appliances: <b>1</b>") != std::string::npos);
    CHECK(page.body().text.find("<td>av-1</td>") != std::string::npos);
    CHECK(page.body().text.find("product=mg-5000") != std::string::npos);

    auto health = w.request(http::verb::get, "/healthz?probe=1");
    CHECK(health.result() == http::status::ok);
    CHECK(health.body().text == "ok\n");
}
