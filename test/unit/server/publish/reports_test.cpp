// The report commands (--status, --list, --appliances, --pending): empty
// results on a fresh store are results (exit 0, the file not made), and
// --json gives documents a script can read, with the tables' facts.
#include "lib/util/file_util.hpp"
#include "test/unit/server/publish/publish_site.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace uun;
using uun::test::scratch_site;
using nlohmann::json;

namespace {

json parsed(const std::string& text)
{
    auto j = json::parse(text, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

}  // namespace

TEST_CASE("on a fresh install every report is empty, exits 0 and does not make the store")
{
    scratch_site site;
    REQUIRE_FALSE(std::filesystem::exists(site.dir.file("store.db")));
    struct row {
        std::vector<std::string> args;
        const char* header;     // the table's first columns
        const char* why_empty;  // the line under it
    };
    const row rows[] = {
        {{"--list"}, "SEQ  ID  CHANNEL", "(no entries published yet)"},
        {{"--appliances"}, "ID  ADDRESS  PORT", "(no appliances registered)"},
        {{"--pending"}, "ID  KEY  STATE", "(no appliance waits for admission)"},
        {{"--status"}, "no entries published yet", "(no appliance has been notified)"},
    };
    for (const auto& r : rows) {
        auto got = site.run("server.yaml", r.args);
        INFO(r.args.front(), ": exit ", got.code, ", stderr: ", got.err);
        CHECK(got.code == 0);
        CHECK(got.out.find(r.header) == 0);
        CHECK(got.out.find(r.why_empty) != std::string::npos);
        CHECK(got.err.find("does not exist yet (uun-server makes it when it first starts)") != std::string::npos);
    }
    CHECK(parsed(site.run("server.yaml", {"--list", "--json"}).out) == json{{"entries", json::array()}});
    CHECK(parsed(site.run("server.yaml", {"--appliances", "--json"}).out) == json{{"appliances", json::array()}});
    CHECK(parsed(site.run("server.yaml", {"--pending", "--json"}).out) == json{{"requests", json::array()}});
    CHECK(parsed(site.run("server.yaml", {"--status", "--json"}).out) ==
          json{{"entry", nullptr}, {"appliances", json::array()}});
    CHECK_FALSE(std::filesystem::exists(site.dir.file("store.db")));

    // Naming an entry that is not there is still bad input.
    auto unknown = site.run("server.yaml", {"--status", "3"});
    CHECK(unknown.code == 3);
    CHECK(unknown.err.find("no entry with seq 3 (nothing is published yet)") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(site.dir.file("store.db")));
}

TEST_CASE("an existing empty store gives the same empty reports, without the note")
{
    scratch_site site;
    site.register_appliance("gw-1");
    auto list = site.run("server.yaml", {"--list"});
    CHECK(list.code == 0);
    CHECK(list.err.empty());
    CHECK(list.out.find("(no entries published yet)") != std::string::npos);
    auto status = site.run("server.yaml", {"--status", "--json"});
    CHECK(status.code == 0);
    CHECK(parsed(status.out)["entry"].is_null());
}

TEST_CASE("--json carries what the tables show; --status without SEQ is the newest entry")
{
    scratch_site site;
    site.register_appliance("gw-1");
    site.register_appliance("gw-2");
    REQUIRE(site.run("server.yaml", {"--channel", "sys", site.dir.file("payload.bin")}).code == 0);
    auto urgent = site.run("server.yaml", {"--channel", "av", "--urgent", "--name", "sig.bin", "--target",
                                           "product=mg-5000", site.dir.file("payload.bin")});
    REQUIRE(urgent.code == 0);

    auto newest = site.run("server.yaml", {"--status"});
    CHECK(newest.code == 0);
    CHECK(newest.out.find("entry 2 (av-2): channel av, urgent") == 0);

    auto status = parsed(site.run("server.yaml", {"--status", "--json"}).out);
    CHECK(status["entry"]["seq"] == 2);
    CHECK(status["entry"]["name"] == "sig.bin");
    CHECK(status["entry"]["urgent"] == true);
    CHECK(status["entry"]["target"] == json::array({"product=mg-5000"}));
    CHECK(status["entry"]["counts"]["notified"] == 2);
    CHECK(status["entry"]["counts"]["installed"] == 0);
    REQUIRE(status["appliances"].size() == 2);
    for (const auto& a : status["appliances"]) {
        CHECK(a["result"] == "queued");
        CHECK(a["address"] == "127.0.2.11");
        CHECK(a["port"] == 25);
        CHECK(a["notified"].get<std::string>().ends_with("Z"));
        CHECK(a["fetched"].is_null());
        CHECK(a["status"].is_null());
    }
    auto first = parsed(site.run("server.yaml", {"--status", "1", "--json"}).out);
    CHECK(first["entry"]["channel"] == "sys");
    CHECK(first["entry"]["urgent"] == false);
    CHECK(first["appliances"].empty());

    auto list = parsed(site.run("server.yaml", {"--list", "--json"}).out);
    REQUIRE(list["entries"].size() == 2);
    CHECK(list["entries"][0]["seq"] == 2);  // newest first, as the table
    CHECK(list["entries"][1]["id"] == "sys-1");
    CHECK(list["entries"][0]["counts"]["notified"] == 2);

    auto apps = parsed(site.run("server.yaml", {"--appliances", "--json"}).out);
    REQUIRE(apps["appliances"].size() == 2);
    CHECK(apps["appliances"][0]["id"] == "gw-1");
    CHECK(apps["appliances"][0]["recipient"] == "uun@gw-1.example");
    CHECK(apps["appliances"][0]["channels"] == json::array({"av"}));
    CHECK(apps["appliances"][0]["key"].is_null());  // bound by token, not a key
    CHECK(apps["appliances"][0]["state"] == "live");
}
