// The HTTP API without sockets: requests go through api::handle against a
// real SQLite store and payload directory in a scratch directory, with an
// injected clock. Covers routing, the registry, entry selection and
// splicing, reports, payload ranges and the status pages.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "lib/util/base64.hpp"
#include "lib/util/digest.hpp"
#include "lib/proto/dsse.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/random.hpp"
#include "server/daemon/api.hpp"
#include "server/daemon/registry_sweep.hpp"
#include "test/unit/test_support.hpp"

using namespace uun;
using namespace uun::server;
using json = nlohmann::json;
namespace ip = boost::asio::ip;

namespace {

constexpr std::int64_t start_time = 1763900000;

std::string new_token()
{
    return base64url_encode(random_bytes(32));
}

struct world {
    test::scratch_dir dir;
    std::unique_ptr<store> db;
    proto::private_key key = *proto::private_key::generate();
    metrics counters;
    manual_clock time{start_time};
    std::unique_ptr<api> handler;

    explicit world(std::vector<std::string> proxies = {})
    {
        auto opened = open_sqlite_store(dir.file("store.db"));
        REQUIRE(opened);
        db = std::move(*opened);
        REQUIRE(::mkdir(dir.file("payloads").c_str(), 0755) == 0);
        api_settings settings;
        settings.max_body = 16 * 1024;
        settings.poll_interval = std::chrono::hours(24);
        settings.max_entries = 2;
        settings.proxies = *trusted_proxies::from_list(proxies);
        handler = std::make_unique<api>(*db, payload_dir(dir.file("payloads")), std::move(settings), counters, time);
    }

    // Imports a payload and appends a signed entry for it, as uun-publish does.
    stored_entry publish(const std::string& channel, const std::string& content, const std::string& target = "",
                         bool urgent = false)
    {
        auto source = dir.file("source.bin");
        REQUIRE(write_file_atomic(source, content));
        auto info = payload_dir(dir.file("payloads")).import(source, 1 << 20);
        REQUIRE(info);
        proto::update_entry e;
        e.channel = channel;
        e.name = "update.bin";
        e.sha256 = info->sha256;
        e.size = info->size;
        e.urgent = urgent;
        e.published = time.now();
        e.target = *proto::parse_target_list(target);
        auto stored = db->append_entry(e, [&](const proto::update_entry& d) -> result<std::string> {
            return proto::dsse_sign(proto::update_payload_type, proto::entry_payload(d), key).dump();
        });
        REQUIRE(stored);
        return *stored;
    }

    http_reply request(http::verb method, const std::string& target, const std::string& body = "",
                       const std::string& peer = "127.0.1.9",
                       std::vector<std::pair<std::string, std::string>> fields = {})
    {
        http_request r{method, target, 11};
        for (const auto& [name, value] : fields)
            r.insert(name, value);
        r.body() = body;
        r.prepare_payload();
        return handler->handle(r, ip::make_address(peer));
    }
};

json poll_body(const std::string& id, const std::string& token, std::uint64_t last_seq = 0,
               std::vector<std::string> channels = {"av", "sys"}, const std::string& product = "mg-5000",
               const std::string& version = "3.2.1")
{
    return json{{"id", id},
                {"token", token},
                {"product", product},
                {"version", version},
                {"channels", channels},
                {"notify", {{"recipient", "uun@" + id + ".example.net"}, {"port", 2525}}},
                {"last_seq", last_seq},
                {"reason", "periodic"}};
}

json body_json(const http_reply& r)
{
    return json::parse(r.body().text);
}

std::string file_bytes(const http_reply& r)
{
    REQUIRE(r.body().file);
    std::string out(r.body().length, '\0');
    REQUIRE(::pread(r.body().file.get(), out.data(), out.size(), static_cast<off_t>(r.body().offset)) ==
            static_cast<ssize_t>(out.size()));
    return out;
}

}  // namespace

TEST_CASE("a first poll registers the appliance with its peer address and notify data")
{
    world w;
    auto token = new_token();
    auto r = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token).dump(), "::ffff:127.0.1.20");
    REQUIRE(r.result() == http::status::ok);
    CHECK(r[http::field::content_type] == "application/json");
    auto j = body_json(r);
    CHECK(j["registered"] == true);
    CHECK(j["entries"].empty());
    CHECK(j["more"] == false);
    CHECK(j["head_seq"] == 0);
    CHECK(j["poll_interval"] == 86400);
    CHECK(j["server_time"] == start_time);

    auto row = w.db->find_appliance("gw-1");
    REQUIRE(row);
    REQUIRE(*row);
    CHECK((*row)->address == "127.0.1.20");
    CHECK((*row)->notify_recipient == "uun@gw-1.example.net");
    CHECK((*row)->notify_port == 2525);
    CHECK((*row)->product == "mg-5000");
    CHECK((*row)->channels == std::vector<std::string>{"av", "sys"});
    CHECK((*row)->last_seen == start_time);
    CHECK((*row)->last_reason == "periodic");
    CHECK(*w.db->token_matches("gw-1", sha256_hex(token)));
    CHECK(w.counters.snapshot().appliances_new == 1);
}

TEST_CASE("a poll with another token is answered but leaves the row alone")
{
    world w;
    w.publish("av", "payload-1");
    auto token = new_token();
    REQUIRE(w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token).dump(), "127.0.1.20").result() ==
            http::status::ok);
    w.time.advance(60);
    auto r = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", new_token()).dump(), "127.0.1.66");
    REQUIRE(r.result() == http::status::ok);
    auto j = body_json(r);
    CHECK(j["registered"] == false);
    CHECK(j["entries"].size() == 1);
    auto row = *w.db->find_appliance("gw-1");
    REQUIRE(row);
    CHECK(row->address == "127.0.1.20");
    CHECK(row->last_seen == start_time);
    CHECK(w.counters.snapshot().token_mismatches == 1);

    // The right token moves it.
    auto moved = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token).dump(), "127.0.1.21");
    CHECK(body_json(moved)["registered"] == true);
    CHECK((*w.db->find_appliance("gw-1"))->address == "127.0.1.21");
    CHECK(w.counters.snapshot().appliances_moved == 1);
}

TEST_CASE("the answer splices the stored envelopes, in seq order, for the appliance only")
{
    world w;
    auto e1 = w.publish("av", "one");
    w.publish("sys", "two", "product=other");   // wrong product
    auto e3 = w.publish("sys", "three", "version>=3.2");
    w.publish("web", "four");                   // channel not subscribed
    auto e5 = w.publish("av", "five");
    auto token = new_token();

    auto r = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token).dump());
    REQUIRE(r.result() == http::status::ok);
    // Byte for byte what the publisher signed, two at a time (max_entries 2).
    CHECK(r.body().text.starts_with("{\"entries\":[" + e1.envelope + "," + e3.envelope + "],\"more\":true,"));
    auto j = body_json(r);
    CHECK(j["head_seq"] == 5);

    auto keys = proto::keyring{};
    keys.add(w.key.public_part());
    for (const auto& envelope : j["entries"])
        CHECK(proto::dsse_verify(envelope, proto::update_payload_type, keys));

    auto rest = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token, 3).dump());
    CHECK(rest.body().text.starts_with("{\"entries\":[" + e5.envelope + "],\"more\":false,"));
    auto none = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token, 5).dump());
    CHECK(body_json(none)["entries"].empty());
}

TEST_CASE("a poll that carries notified entries marks them fetched")
{
    world w;
    auto e1 = w.publish("av", "one", "", true);
    auto e2 = w.publish("av", "two", "", true);
    auto token = new_token();
    REQUIRE(w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token, 2).dump()).result() == http::status::ok);
    for (auto seq : {e1.entry.seq, e2.entry.seq}) {
        notification_record n;
        n.appliance_id = "gw-1";
        n.seq = seq;
        n.notified_at = start_time;
        n.expires = start_time + 3600;
        n.address = "127.0.1.9";
        n.port = 2525;
        n.envelope_sender = "uun+gw-1@uun.example";
        n.recipient = "uun@gw-1.example.net";
        n.result = "queued";
        REQUIRE(w.db->record_notification(n));
    }
    w.time.advance(30);
    // Another token polls: it is not the appliance, nothing is marked.
    w.request(http::verb::post, "/v1/poll", poll_body("gw-1", new_token(), 0).dump());
    CHECK((*w.db->notifications(e1.entry.seq))[0].fetched_at == 0);

    w.time.advance(30);
    auto r = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token, 1).dump());
    CHECK(body_json(r)["entries"].size() == 1);
    CHECK((*w.db->notifications(e1.entry.seq))[0].fetched_at == 0);
    CHECK((*w.db->notifications(e2.entry.seq))[0].fetched_at == start_time + 60);
}

TEST_CASE("behind a trusted proxy the forwarded client is recorded")
{
    world w({"127.0.1.250"});
    auto body = poll_body("gw-1", new_token()).dump();
    auto r = w.request(http::verb::post, "/v1/poll", body, "127.0.1.250", {{"X-Forwarded-For", "203.0.113.9"}});
    REQUIRE(r.result() == http::status::ok);
    CHECK((*w.db->find_appliance("gw-1"))->address == "203.0.113.9");
    auto bad = w.request(http::verb::post, "/v1/poll", body, "127.0.1.250", {{"X-Forwarded-For", "nonsense"}});
    CHECK(bad.result() == http::status::bad_request);
    CHECK(body_json(bad)["error"].get<std::string>().find("X-Forwarded-For") != std::string::npos);
}

TEST_CASE("bad requests get the status API.md gives, with a JSON error")
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
        {"DELETE on metrics", http::verb::delete_, "/metrics", "", http::status::method_not_allowed, "GET, HEAD"},
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

    auto m = w.request(http::verb::get, "/metrics");
    REQUIRE(m.result() == http::status::ok);
    CHECK(m[http::field::content_type].starts_with("text/plain; version=0.0.4"));
    auto& text = m.body().text;
    CHECK(text.find("uun_http_requests_total{route=\"poll\",status=\"200\"} 1\n") != std::string::npos);
    CHECK(text.find("uun_http_requests_total{route=\"other\",status=\"404\"} 1\n") != std::string::npos);
    CHECK(text.find("uun_polls_total{reason=\"periodic\"} 1\n") != std::string::npos);
    CHECK(text.find("uun_registry_appliances 1\n") != std::string::npos);
    CHECK(text.find("uun_log_head_seq 1\n") != std::string::npos);

    auto page = w.request(http::verb::get, "/");
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

TEST_CASE("the sweep removes rows not seen for expire_after and keeps the rest")
{
    world w;
    w.request(http::verb::post, "/v1/poll", poll_body("old", new_token()).dump());
    w.time.advance(7 * 86400);
    w.request(http::verb::post, "/v1/poll", poll_body("fresh", new_token()).dump());
    w.time.advance(60);
    auto outcome = sweep_expired(*w.db, std::chrono::hours(24 * 7), w.time.now());
    REQUIRE(outcome);
    CHECK(outcome->removed == 1);
    CHECK_FALSE(*w.db->find_appliance("old"));
    CHECK(*w.db->find_appliance("fresh"));
    CHECK(describe(*outcome, std::chrono::hours(24 * 7)).starts_with("registry sweep: removed 1 appliance not seen for 7d"));
}
