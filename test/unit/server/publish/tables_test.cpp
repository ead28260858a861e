// --status, --list and --appliances tables: ISO 8601 UTC times, aligned
// columns, and the counts each row carries.
#include "server/publish/tables.hpp"

#include <doctest/doctest.h>

using namespace uun;
using namespace uun::publish;

TEST_CASE("times print as ISO 8601 UTC and 'never' as a dash")
{
    CHECK(iso8601_utc(0) == "-");
    CHECK(iso8601_utc(951782400) == "2000-02-29T00:00:00Z");
    CHECK(iso8601_utc(1763900000) == "2025-11-23T12:13:20Z");
}

TEST_CASE("tables pad each column to its widest cell and leave no trailing blanks")
{
    auto got = format_table({"ID", "ADDRESS", "X"}, {{"gw-1", "192.0.2.1", ""}, {"gateway-22", "::1", "y"}});
    CHECK(got == "ID          ADDRESS    X\n"
                 "gw-1        192.0.2.1\n"
                 "gateway-22  ::1        y\n");
}

TEST_CASE("--status shows the entry, then each appliance with address, times, result and report")
{
    store::stored_entry e;
    e.entry.seq = 3;
    e.entry.id = "av-3";
    e.entry.channel = "av";
    e.entry.name = "sig.bin";
    e.entry.sha256 = std::string(64, 'b');
    e.entry.size = 42;
    e.entry.urgent = true;
    e.entry.published = 1763900000;
    e.entry.target = *proto::parse_target_list("product=mg-5000");
    std::vector<store::appliance_progress> progress = {
        {"gw-1", "192.0.2.11", 1763900001, "queued", 1763900010, "installed", "", 1763900020},
        {"gw-2", "2001:db8::2", 1763900001, "failed: sendmail exited 75: x", 0, "", "", 0},
    };
    std::vector<store::notification_record> notes = {
        {"gw-1", 3, 1763900001, 1763903601, "192.0.2.11", 25, "uun+gw-1@d", "uun@gw-1", "queued", 1763900010},
        {"gw-2", 3, 1763900001, 1763903601, "2001:db8::2", 2525, "uun+gw-2@d", "uun@gw-2", "failed: x", 0},
    };
    auto got = status_report(e, progress, notes);
    INFO(got);
    CHECK(got.find("entry 3 (av-3): channel av, urgent, published 2025-11-23T12:13:20Z\n") == 0);
    CHECK(got.find("target: product=mg-5000") != std::string::npos);
    CHECK(got.find("2 appliances: 1 notified, 1 hand-offs failed, 1 fetched, 1 installed, 0 failed to install") !=
          std::string::npos);
    CHECK(got.find("\nAPPLIANCE  ADDRESS             NOTIFIED              RESULT                         FETCHED"
                   "               STATUS     DETAIL\n") != std::string::npos);
    CHECK(got.find("\ngw-1       192.0.2.11:25       2025-11-23T12:13:21Z  queued                         "
                   "2025-11-23T12:13:30Z  installed  -\n") != std::string::npos);
    CHECK(got.find("gw-2       [2001:db8::2]:2525  2025-11-23T12:13:21Z  failed: sendmail exited 75: x  -") !=
          std::string::npos);
}

TEST_CASE("--list counts each entry's notifications and reports; --appliances marks expired rows")
{
    std::vector<store::appliance_progress> progress = {
        {"a", "", 1, "queued", 2, "installed", "", 3},
        {"b", "", 1, "queued", 0, "failed", "no space", 3},
        {"c", "", 1, "failed: x", 0, "", "", 0},
        {"d", "", 0, "", 0, "installed", "", 3},  // not notified: installed after a periodic poll
    };
    auto c = count_progress(progress);
    CHECK(c.queued == 2);
    CHECK(c.handoff_failed == 1);
    CHECK(c.fetched == 1);
    CHECK(c.installed == 2);
    CHECK(c.install_failed == 1);

    store::stored_entry e;
    e.entry.seq = 12;
    e.entry.id = "sys-12";
    e.entry.channel = "sys";
    e.entry.name = "fw.bin";
    e.entry.published = 1763900000;
    auto list = list_report({{e, c}});
    CHECK(list.find("SEQ  ID      CHANNEL  URGENT  PUBLISHED") == 0);
    CHECK(list.find("12   sys-12  sys      no      2025-11-23T12:13:20Z  2         1               1        2"
                    "          1               fw.bin\n") != std::string::npos);
    CHECK(list_report({}).find("SEQ  ID  CHANNEL  URGENT  PUBLISHED") == 0);
    CHECK(list_report({}).ends_with("\n(no entries published yet)\n"));

    store::appliance_record live, old;
    live.id = "gw-1";
    live.address = "192.0.2.1";
    live.notify_recipient = "uun@gw-1";
    live.channels = {"av", "sys"};
    live.last_seen = 1000;
    old = live;
    old.id = "gw-0";
    old.last_seen = 10;
    auto apps = appliances_report({old, live}, 500);
    CHECK(apps.find("gw-0  192.0.2.1  25    uun@gw-1") != std::string::npos);
    CHECK(apps.find("av,sys") != std::string::npos);
    CHECK(apps.find("expired\n") != std::string::npos);
    CHECK(apps.find("live\n") != std::string::npos);
}
