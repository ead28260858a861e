// Poll and report messages (lib/proto/poll_messages): what doc/protocol.md
// allows gets through, every field that is missing, mistyped or out of range
// is refused by name, and what the updater builds the server parses back to
// the same values.
#include "lib/proto/poll_messages.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace uun::proto;
using json = nlohmann::json;

namespace {

constexpr std::size_t max_body = 16 * 1024;
const std::string token = "q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1g";  // 32 bytes, base64url

json good_poll()
{
    return json{
        {"id", "gw-0001"},
        {"token", token},
        {"product", "mg-5000"},
        {"version", "3.2.1"},
        {"channels", {"av", "sys"}},
        {"notify", {{"recipient", "uun@gw1.example.net"}, {"port", 25}}},
        {"last_seq", 41},
        {"reason", "periodic"},
    };
}

json good_report()
{
    return json{{"id", "gw-0001"}, {"token", token}, {"seq", 42}, {"status", "installed"}, {"detail", ""}};
}

// Sets a dotted key ("notify.port"); a null value removes it.
json with(json j, const std::string& key, const json& value)
{
    json* target = &j;
    std::string k = key;
    if (auto dot = key.find('.'); dot != std::string::npos) {
        target = &j[key.substr(0, dot)];
        k = key.substr(dot + 1);
    }
    if (value.is_null())
        target->erase(k);
    else
        (*target)[k] = value;
    return j;
}

}  // namespace

TEST_CASE("the doc/protocol.md example poll parses into every field")
{
    auto p = parse_poll_request(good_poll().dump(), max_body);
    INFO((p ? "" : p.error().message));
    REQUIRE(p);
    CHECK(p->id == "gw-0001");
    CHECK(p->token == token);
    CHECK(p->product == "mg-5000");
    CHECK(p->version == "3.2.1");
    CHECK(p->channels == std::vector<std::string>{"av", "sys"});
    CHECK(p->notify_recipient == "uun@gw1.example.net");
    CHECK(p->notify_port == 25);
    CHECK(p->last_seq == 41);
    CHECK(p->reason == poll_reason::periodic);
}

TEST_CASE("poll bodies at the edges of the rules are accepted")
{
    struct row {
        const char* label;
        std::string key;
        json value;
    };
    const row rows[] = {
        {"id of 64 characters", "id", std::string(64, 'a')},
        {"id with dot, dash and underscore", "id", "gw_1.eu-west"},
        {"version with + ~ :", "version", "1:3.2+deb12~rc1"},
        {"16 channels", "channels", [] { json l = json::array(); for (int i = 0; i < 16; ++i) l.push_back("c" + std::to_string(i)); return l; }()},
        {"recipient at an IPv4 literal", "notify.recipient", "uun@[192.0.2.7]"},
        {"recipient at an IPv6 literal", "notify.recipient", "uun@[IPv6:2001:db8::7]"},
        {"recipient domain without dots", "notify.recipient", "postmaster@localhost"},
        {"recipient of 254 bytes", "notify.recipient", std::string(242, 'u') + "@example.net"},
        {"port 1", "notify.port", 1},
        {"port 65535", "notify.port", 65535},
        {"last_seq 0", "last_seq", 0},
        {"last_seq at the int64 limit", "last_seq", 9223372036854775807ull},
        {"urgent", "reason", "urgent"},
        {"an unknown extra field", "hostname", "gw1"},
    };
    for (const auto& r : rows) {
        auto got = parse_poll_request(with(good_poll(), r.key, r.value).dump(), max_body);
        INFO(std::string(r.label), ": ", (got ? std::string("accepted") : got.error().message));
        CHECK(got);
    }
}

TEST_CASE("poll bodies that break a rule are refused, naming the field")
{
    struct row {
        const char* label;
        std::string key;
        json value;  // null: remove the key
        const char* want;
    };
    const row rows[] = {
        {"no id", "id", nullptr, "'id' is missing"},
        {"id is a number", "id", 7, "'id' must be a string"},
        {"id empty", "id", "", "'id' must be"},
        {"id too long", "id", std::string(65, 'a'), "'id' must be"},
        {"id with a slash", "id", "gw/1", "'id' must be"},
        {"id with a space", "id", "gw 1", "'id' must be"},
        {"no token", "token", nullptr, "'token' is missing"},
        {"token too short", "token", token.substr(1), "'token' must be base64url of 32 bytes"},
        {"token padded", "token", token.substr(1) + "=", "'token' must be base64url"},
        {"token in standard base64", "token", "q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1n8q1+", "'token' must be"},
        {"token not canonical", "token", token.substr(0, 42) + "h", "'token' must be"},
        {"product missing", "product", nullptr, "'product' is missing"},
        {"product with a space", "product", "mg 5000", "'product' must be"},
        {"version too long", "version", std::string(65, '1'), "'version' must be"},
        {"version empty", "version", "", "'version' must be"},
        {"channels missing", "channels", nullptr, "'channels' is missing"},
        {"channels a string", "channels", "av", "'channels' must be a list of 1 to 16"},
        {"channels empty", "channels", json::array(), "'channels' must be a list of 1 to 16"},
        {"17 channels", "channels", [] { json l = json::array(); for (int i = 0; i < 17; ++i) l.push_back("c" + std::to_string(i)); return l; }(), "'channels' must be a list"},
        {"channel upper case", "channels", {"AV"}, "not a channel name"},
        {"channel a number", "channels", {1}, "not a channel name"},
        {"channel twice", "channels", {"av", "av"}, "'channels' names 'av' twice"},
        {"notify missing", "notify", nullptr, "'notify' is missing"},
        {"notify a string", "notify", "uun@x", "'notify' must be an object"},
        {"recipient missing", "notify.recipient", nullptr, "'notify.recipient' is missing"},
        {"recipient without @", "notify.recipient", "uun.example.net", "'notify.recipient' must be"},
        {"recipient with two @", "notify.recipient", "a@b@c", "'notify.recipient' must be"},
        {"recipient with a space", "notify.recipient", "u n@x.net", "'notify.recipient' must be"},
        {"recipient in angle brackets", "notify.recipient", "<uun@x.net>", "'notify.recipient' must be"},
        {"recipient with a comma", "notify.recipient", "a@x.net,b@y.net", "'notify.recipient' must be"},
        {"recipient with a semicolon", "notify.recipient", "a@x.net;b", "'notify.recipient' must be"},
        {"recipient with a newline", "notify.recipient", "a@x.net\nRCPT", "'notify.recipient' must be"},
        {"recipient with a quote", "notify.recipient", "\"a\"@x.net", "'notify.recipient' must be"},
        {"recipient with 8-bit text", "notify.recipient", "\xc3\xa9@x.net", "'notify.recipient' must be"},
        {"recipient local part empty", "notify.recipient", "@x.net", "'notify.recipient' must be"},
        {"recipient domain empty", "notify.recipient", "uun@", "'notify.recipient' must be"},
        {"recipient domain with an empty label", "notify.recipient", "uun@x..net", "'notify.recipient' must be"},
        {"recipient bad IP literal", "notify.recipient", "uun@[300.1.1.1]", "'notify.recipient' must be"},
        {"recipient of 255 bytes", "notify.recipient", std::string(243, 'u') + "@example.net", "'notify.recipient' must be"},
        {"port missing", "notify.port", nullptr, "'notify.port' is missing"},
        {"port 0", "notify.port", 0, "'notify.port' must be a whole number from 1 to 65535"},
        {"port 65536", "notify.port", 65536, "'notify.port' must be"},
        {"port a string", "notify.port", "25", "'notify.port' must be"},
        {"port a float", "notify.port", 25.5, "'notify.port' must be"},
        {"last_seq missing", "last_seq", nullptr, "'last_seq' is missing"},
        {"last_seq negative", "last_seq", -1, "'last_seq' must be a whole number from 0"},
        {"last_seq past int64", "last_seq", 9223372036854775808ull, "'last_seq' must be"},
        {"last_seq a float", "last_seq", 41.0, "'last_seq' must be"},
        {"last_seq a boolean", "last_seq", true, "'last_seq' must be"},
        {"reason missing", "reason", nullptr, "'reason' is missing"},
        {"reason unknown", "reason", "bored", "'reason' must be periodic or urgent"},
        {"reason in capitals", "reason", "URGENT", "'reason' must be periodic or urgent"},
    };
    for (const auto& r : rows) {
        auto got = parse_poll_request(with(good_poll(), r.key, r.value).dump(), max_body);
        INFO(std::string(r.label), ": got ", (got ? std::string("accepted") : got.error().message), ", want ",
             std::string(r.want));
        REQUIRE_FALSE(got);
        CHECK(got.error().message.find(r.want) != std::string::npos);
    }
}

TEST_CASE("poll bodies that are not a JSON object within the limits are refused")
{
    struct row {
        const char* label;
        std::string body;
        const char* want;
    };
    std::string deep(100, '[');
    const row rows[] = {
        {"empty", "", "not valid JSON"},
        {"garbage", "id=gw-1&token=x", "not valid JSON"},
        {"truncated", good_poll().dump().substr(0, 40), "not valid JSON"},
        {"a list", "[1,2]", "must be a JSON object"},
        {"a string", "\"poll\"", "must be a JSON object"},
        {"nested too deep", deep, "nested deeper"},
        {"over the size limit", good_poll().dump() + std::string(max_body, ' '), "exceeds the limit"},
        {"invalid UTF-8 in a string", "{\"id\":\"\xff\xfe\"}", "not valid JSON"},
    };
    for (const auto& r : rows) {
        auto got = parse_poll_request(r.body, max_body);
        INFO(std::string(r.label), ": got ", (got ? std::string("accepted") : got.error().message));
        REQUIRE_FALSE(got);
        CHECK(got.error().message.find(r.want) != std::string::npos);
    }
}

TEST_CASE("report bodies: the doc/protocol.md example, and each bad field by name")
{
    auto ok = parse_report_request(good_report().dump(), max_body);
    REQUIRE(ok);
    CHECK(ok->id == "gw-0001");
    CHECK(ok->seq == 42);
    CHECK(ok->status == report_status::installed);
    CHECK(ok->detail.empty());

    auto failed = parse_report_request(
        with(with(good_report(), "status", "failed"), "detail", "hook exited 3\n\tdisk full").dump(), max_body);
    REQUIRE(failed);
    CHECK(failed->status == report_status::failed);
    CHECK(failed->detail == "hook exited 3\n\tdisk full");
    CHECK(parse_report_request(with(good_report(), "detail", nullptr).dump(), max_body));
    CHECK(parse_report_request(with(good_report(), "detail", std::string(512, 'x')).dump(), max_body));

    struct row {
        const char* label;
        std::string key;
        json value;
        const char* want;
    };
    const row rows[] = {
        {"no id", "id", nullptr, "'id' is missing"},
        {"bad id", "id", "gw 1", "'id' must be"},
        {"no token", "token", nullptr, "'token' is missing"},
        {"bad token", "token", "abc", "'token' must be"},
        {"no seq", "seq", nullptr, "'seq' is missing"},
        {"seq 0", "seq", 0, "'seq' must be a whole number from 1"},
        {"seq negative", "seq", -4, "'seq' must be"},
        {"seq a string", "seq", "42", "'seq' must be"},
        {"no status", "status", nullptr, "'status' is missing"},
        {"status unknown", "status", "done", "'status' must be installed or failed"},
        {"detail a number", "detail", 3, "'detail' must be a string"},
        {"detail 513 bytes", "detail", std::string(513, 'x'), "'detail' must be at most 512 bytes"},
        {"detail with NUL", "detail", std::string("a\0b", 3), "without control characters"},
        {"detail with an escape sequence", "detail", "\x1b[31mred", "without control characters"},
    };
    for (const auto& r : rows) {
        auto got = parse_report_request(with(good_report(), r.key, r.value).dump(), max_body);
        INFO(std::string(r.label), ": got ", (got ? std::string("accepted") : got.error().message), ", want ",
             std::string(r.want));
        REQUIRE_FALSE(got);
        CHECK(got.error().message.find(r.want) != std::string::npos);
    }
}

TEST_CASE("what the updater builds, the server parses to the same values")
{
    struct row {
        const char* label;
        poll_request sent;
    };
    const row rows[] = {
        {"the doc/protocol.md example",
         {"gw-0001", token, "mg-5000", "3.2.1", {"av", "sys"}, "uun@gw1.example.net", 25, 41, poll_reason::periodic,
          0, {}, {}}},
        {"urgent, IPv6 literal, edge values",
         {std::string(64, 'z'), token, "mg_5000", "1:3.2+deb12~rc1", {"a", "b.c", "d-e_f"}, "uun@[IPv6:2001:db8::7]",
          65535, max_seq, poll_reason::urgent, 0, {}, {}}},
        {"new appliance", {"a", token, "p", "0", {"av"}, "postmaster@localhost", 1, 0, poll_reason::periodic, 0, {}, {}}},
        {"following root v3",
         {"gw-2", token, "p", "1", {"av", "sys"}, "uun@gw2.example.net", 25, 57, poll_reason::urgent, 3,
          {{"av", 12}, {"sys", 0}}, {57, 58}}},
    };
    for (const auto& r : rows) {
        auto got = parse_poll_request(poll_request_body(r.sent), max_body);
        INFO(std::string(r.label), ": ", (got ? std::string("parsed") : got.error().message));
        REQUIRE(got);
        CHECK(got->id == r.sent.id);
        CHECK(got->token == r.sent.token);
        CHECK(got->product == r.sent.product);
        CHECK(got->version == r.sent.version);
        CHECK(got->channels == r.sent.channels);
        CHECK(got->notify_recipient == r.sent.notify_recipient);
        CHECK(got->notify_port == r.sent.notify_port);
        CHECK(got->last_seq == r.sent.last_seq);
        CHECK(got->reason == r.sent.reason);
        CHECK(got->root_version == r.sent.root_version);
        CHECK(got->positions == r.sent.positions);
        CHECK(got->wanted == r.sent.wanted);
    }

    const report_request reports[] = {
        {"gw-0001", token, 42, report_status::installed, ""},
        {"gw-0001", token, max_seq, report_status::failed, "hook exited 3\n\tdisk full"},
        {"gw-0001", token, 1, report_status::failed, std::string(max_report_detail_bytes, 'x')},
    };
    for (const auto& sent : reports) {
        auto got = parse_report_request(report_body(sent), max_body);
        INFO("seq ", sent.seq, ": ", (got ? std::string("parsed") : got.error().message));
        REQUIRE(got);
        CHECK(got->id == sent.id);
        CHECK(got->token == sent.token);
        CHECK(got->seq == sent.seq);
        CHECK(got->status == sent.status);
        CHECK(got->detail == sent.detail);
    }
}

TEST_CASE("reason and status words are exactly the wire words")
{
    for (auto reason : {poll_reason::periodic, poll_reason::urgent})
        CHECK(parse_poll_reason(to_string(reason)) == reason);
    for (auto status : {report_status::installed, report_status::failed})
        CHECK(parse_report_status(to_string(status)) == status);
    CHECK(to_string(poll_reason::urgent) == "urgent");
    CHECK(to_string(report_status::failed) == "failed");
    CHECK_FALSE(parse_poll_reason("Urgent"));
    CHECK_FALSE(parse_poll_reason(""));
    CHECK_FALSE(parse_report_status("installed "));
    CHECK_FALSE(parse_report_status("done"));
}

TEST_CASE("poll answers: the doc/protocol.md example, and each bad field refused")
{
    const std::string example = R"({"entries": [{"payloadType": "application/vnd.uun.update+json", "payload": "e30=",
        "signatures": [{"keyid": "0a6f3902d0ac0d31", "sig": "AA=="}]}], "more": false, "head_seq": 57,
        "poll_interval": 86400, "registered": true, "server_time": 1763900000})";
    auto a = parse_poll_answer(example, 1 << 20);
    INFO((a ? "" : a.error().message));
    REQUIRE(a);
    REQUIRE(a->entries.size() == 1);
    CHECK(a->entries[0].at("payload") == "e30=");
    CHECK_FALSE(a->more);
    CHECK(a->head_seq == 57u);
    CHECK(a->poll_interval == std::chrono::seconds(86400));
    CHECK(a->registered == true);

    auto bare = parse_poll_answer(R"({"entries": [], "more": true})", 1 << 20);
    REQUIRE(bare);
    CHECK(bare->more);
    CHECK_FALSE(bare->head_seq);
    CHECK_FALSE(bare->poll_interval);
    CHECK_FALSE(bare->registered);

    auto long_interval = parse_poll_answer(R"({"entries": [], "more": false, "poll_interval": 99999999999})", 1 << 20);
    REQUIRE(long_interval);
    CHECK(long_interval->poll_interval == std::chrono::seconds(max_answer_interval));

    struct row {
        const char* label;
        std::string body;
        const char* want;
    };
    json too_many = {{"entries", json::array()}, {"more", false}};
    for (std::size_t i = 0; i <= max_answer_entries; ++i)
        too_many["entries"].push_back(json::object());
    const row rows[] = {
        {"not JSON", "<html>", "the poll answer is not usable JSON: "},
        {"a list", "[]", "the poll answer is not a JSON object"},
        {"no entries", R"({"more": false})", "the poll answer has no 'entries' list"},
        {"entries an object", R"({"entries": {}, "more": false})", "the poll answer has no 'entries' list"},
        {"too many entries", too_many.dump(), "entries, more than the limit of 256"},
        {"no more", R"({"entries": []})", "the poll answer has no boolean 'more'"},
        {"more a string", R"({"entries": [], "more": "false"})", "the poll answer has no boolean 'more'"},
        {"head_seq negative", R"({"entries": [], "more": false, "head_seq": -1})", "'head_seq' is not a non-negative"},
        {"poll_interval 0", R"({"entries": [], "more": false, "poll_interval": 0})", "'poll_interval' is not a positive"},
        {"poll_interval a float", R"({"entries": [], "more": false, "poll_interval": 1.5})", "'poll_interval' is not"},
        {"registered a number", R"({"entries": [], "more": false, "registered": 1})", "'registered' is not a boolean"},
    };
    for (const auto& r : rows) {
        auto got = parse_poll_answer(r.body, 1 << 20);
        INFO(std::string(r.label), ": got ", (got ? std::string("accepted") : got.error().message), ", want ",
             std::string(r.want));
        REQUIRE_FALSE(got);
        CHECK(got.error().message.find(r.want) != std::string::npos);
    }
}
