// The notifier with a fake MTA and a real SQLite store: one signed mail per
// target, the relay map installed before submission, every hand-off recorded
// (queued or failed: why), and recorded as handing off before the MTA sees
// it. Also the --wait loop over recorded reports. The world is in notifier_world.hpp.
#include "lib/proto/uun_header.hpp"
#include "server/publish/progress_wait.hpp"
#include "server/publish/relay_map.hpp"
#include "test/unit/server/publish/notifier_world.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>

using namespace uun;
using namespace uun::publish;
using namespace uun::test::notifier;

namespace {

std::string header_of(const std::string& mail, const std::string& name)
{
    auto at = mail.find("\n" + name + ": ");
    REQUIRE(at != std::string::npos);
    at += name.size() + 3;
    std::string value;
    for (;;) {
        auto end = mail.find('\n', at);
        value += mail.substr(at, end - at);
        if (mail[end + 1] != ' ' && mail[end + 1] != '\t')
            return value;
        value += "\n";
        at = end + 1;
    }
}

}  // namespace

TEST_CASE("each target gets one signed UUN through a relay map installed before submission")
{
    world w;
    auto a = appliance("gw-1", "192.0.2.11");
    auto b = appliance("gw-2", "2001:db8::12");
    w.register_appliance(a, t0 - 60);
    w.register_appliance(b, t0 - 60);
    auto report = w.notify({a, b});
    CHECK(report.targets == 2);
    CHECK(report.queued == 2);
    CHECK(report.failures.empty());
    CHECK(w.mta.calls == std::vector<std::string>{"lock", "map", "submit"});
    CHECK(w.mta.map.find("uun+gw-1@uun.vendor.example smtp:[192.0.2.11]:25\n") != std::string::npos);
    CHECK(w.mta.map.find("uun+gw-2@uun.vendor.example smtp:[ipv6:2001:db8::12]:25\n") != std::string::npos);

    REQUIRE(w.mta.mails.size() == 2);
    proto::keyring ring;
    ring.add(w.key.public_part());
    std::set<std::string> nonces;
    for (const auto& m : w.mta.mails) {
        bool first = m.recipient == "uun@gw-1.example";
        CHECK(m.sender == (first ? "uun+gw-1@uun.vendor.example" : "uun+gw-2@uun.vendor.example"));
        CHECK(header_of(m.message, "To") == m.recipient);
        auto check = proto::check_uun_header(header_of(m.message, "X-UUN"), ring, t0 + 5, 300);
        CHECK(check.verdict == proto::uun_verdict::valid);
        REQUIRE(check.header);
        CHECK(check.header->claim.seq == w.entry.seq);
        CHECK(check.header->claim.issued == t0);
        CHECK(check.header->claim.expires == t0 + 3600);
        nonces.insert(check.header->claim.nonce);
    }
    CHECK(nonces.size() == 2);  // a fresh nonce per mail

    auto rec = w.recorded();
    REQUIRE(rec.size() == 2);
    const auto& n = rec["gw-2"];
    CHECK(n.result == "queued");
    CHECK(n.address == "2001:db8::12");
    CHECK(n.port == 25);
    CHECK(n.envelope_sender == "uun+gw-2@uun.vendor.example");
    CHECK(n.recipient == "uun@gw-2.example");
    CHECK(n.notified_at == t0);
    CHECK(n.expires == t0 + 3600);
}

TEST_CASE("a queued UUN keeps its route after its registry row expired")
{
    world w;
    auto old = appliance("gw-old", "192.0.2.50");
    w.register_appliance(old, t0 - 8 * 86400);  // past expire_after now
    REQUIRE(w.store->record_notification({"gw-old", w.entry.seq, t0 - 600, t0 + 3000, "192.0.2.50", 25,
                                          "uun+gw-old@uun.vendor.example", "uun@gw-old.example", "queued", 0}));
    auto fresh = appliance("gw-new", "192.0.2.51");
    w.register_appliance(fresh, t0);
    w.notify({fresh});
    CHECK(w.mta.map.find("uun+gw-old@uun.vendor.example smtp:[192.0.2.50]:25\n") != std::string::npos);
    CHECK(w.mta.map.find("uun+gw-new@uun.vendor.example smtp:[192.0.2.51]:25\n") != std::string::npos);
}

TEST_CASE("hand-off failures are recorded per appliance and the rest still go out")
{
    world w;
    auto good = appliance("gw-1", "192.0.2.11");
    auto refused = appliance("gw-2", "192.0.2.12");
    auto bad_recipient = appliance("gw-3", "192.0.2.13", "not an address");
    auto bad_address = appliance("gw-4", "gw4.example");
    for (const auto& a : {good, refused, bad_recipient, bad_address})
        w.register_appliance(a, t0);
    w.mta.refuse_recipients.insert("uun@gw-2.example");
    auto report = w.notify({good, refused, bad_recipient, bad_address});
    CHECK(report.queued == 1);
    REQUIRE(report.failures.size() == 3);
    CHECK(report.failures[0] == "gw-2 (192.0.2.12:25): sendmail exited 67: addressee unknown");
    CHECK(w.mta.mails.size() == 2);  // the two bad rows never reach the MTA; a refusal is not retried
    CHECK(w.pauses.empty());
    auto rec = w.recorded();
    CHECK(rec["gw-1"].result == "queued");
    CHECK(rec["gw-2"].result == "failed: sendmail exited 67: addressee unknown");
    CHECK(rec["gw-3"].result == "failed: notify recipient 'not an address' is not a mail address");
    CHECK(rec["gw-4"].result == "failed: 'gw4.example' is not an IP address");
    CHECK(report.map_notes.size() == 1);  // gw-4 has no route
}

TEST_CASE("a deferred hand-off is tried again after a pause and then counts as queued")
{
    world w;
    auto a = w.registered("gw-1", "192.0.2.11");
    auto b = w.registered("gw-2", "192.0.2.12");
    w.mta.defer_recipients["uun@gw-2.example"] = 1;
    auto report = w.notify({a, b});
    CHECK(report.queued == 2);
    CHECK(report.retried == 1);
    CHECK(report.failures.empty());
    CHECK(w.pauses == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(1000)});
    REQUIRE(w.mta.mails.size() == 3);
    CHECK(w.mta.mails[2].recipient == "uun@gw-2.example");
    CHECK(w.mta.mails[2].message == w.mta.mails[1].message);  // the same signed mail, not a new UUN
    CHECK(w.recorded()["gw-2"].result == "queued");
}

TEST_CASE("retry pauses double up to the pass limit; what is still deferred then fails with its tries")
{
    world w;
    std::vector<store::appliance_record> targets;
    for (int i = 1; i <= 5; ++i) {
        targets.push_back(appliance(cat("gw-", i), cat("192.0.2.", 10 + i)));
        w.register_appliance(targets.back(), t0);
    }
    // gw-2 gets through on pass 2, gw-3 on pass 3, gw-4 on pass 4; gw-5 never does.
    for (int i = 2; i <= 5; ++i)
        w.mta.defer_recipients[cat("uun@gw-", i, ".example")] = i == 5 ? 100 : i - 1;
    auto report = w.notify(targets);
    CHECK(report.queued == 4);
    CHECK(report.retried == 3);
    using std::chrono::milliseconds;
    CHECK(w.pauses == std::vector<milliseconds>{milliseconds(1000), milliseconds(2000), milliseconds(4000)});
    REQUIRE(report.failures.size() == 1);
    CHECK(report.failures[0] ==
          "gw-5 (192.0.2.15:25): SMTP to smtp://127.0.0.1:25: 452 4.3.2 try again (reply 452) (4 tries)");
    CHECK(w.recorded()["gw-5"].result.starts_with("failed: SMTP to smtp://127.0.0.1:25: 452"));
}

TEST_CASE("a retry pass that queues nothing ends the retries: the MTA is not taking mail")
{
    world w;
    auto a = w.registered("gw-1", "192.0.2.11");
    auto b = w.registered("gw-2", "192.0.2.12");
    w.mta.defer_recipients["uun@gw-1.example"] = 100;
    w.mta.defer_recipients["uun@gw-2.example"] = 100;
    auto report = w.notify({a, b});
    CHECK(report.queued == 0);
    CHECK(report.retried == 0);
    CHECK(w.pauses.size() == 1);
    CHECK(w.mta.mails.size() == 4);  // each mail twice, then no more
    REQUIRE(report.failures.size() == 2);
    CHECK(report.failures[1].ends_with("(reply 452) (2 tries)"));
}

TEST_CASE("when the relay map cannot be installed nothing is submitted and every target is failed")
{
    world w;
    auto a = appliance("gw-1", "192.0.2.11");
    w.register_appliance(a, t0);
    w.mta.map_error = "relay map: /usr/sbin/postmap exited 1: fatal: open database";
    auto report = w.notify({a});
    CHECK(report.queued == 0);
    CHECK(w.mta.calls == std::vector<std::string>{"lock", "map"});
    CHECK(w.recorded()["gw-1"].result == "failed: relay map: /usr/sbin/postmap exited 1: fatal: open database");
}

TEST_CASE("notifying again replaces the record but keeps when the appliance fetched the entry")
{
    world w;
    auto a = appliance("gw-1", "192.0.2.11");
    w.register_appliance(a, t0);
    w.notify({a});
    w.poll(a, t0 + 30);
    w.clock.advance(600);
    w.notify({a});
    auto n = w.recorded()["gw-1"];
    CHECK(n.notified_at == t0 + 600);
    CHECK(n.fetched_at == t0 + 30);
}

TEST_CASE("--wait follows reports until every target reported, a line per change off a terminal")
{
    world w;
    for (const char* id : {"gw-1", "gw-2"}) {
        w.register_appliance(appliance(id, "192.0.2.1"), t0);
    }
    w.notify({appliance("gw-1", "192.0.2.1"), appliance("gw-2", "192.0.2.1")});
    int polls = 0;
    auto pause = [&] {
        ++polls;
        w.clock.advance(1);
        if (polls == 2)
            w.poll(appliance("gw-1", "192.0.2.1"), w.clock.now());
        if (polls == 3)
            REQUIRE(w.store->record_report({"gw-1", w.entry.seq, "installed", "", w.clock.now()}));
        if (polls == 5)
            REQUIRE(w.store->record_report({"gw-2", w.entry.seq, "installed", "", w.clock.now()}));
    };
    std::ostringstream out;
    auto got = wait_for_installs(*w.store, w.entry.seq, {"gw-1", "gw-2"}, 60, w.clock, pause, out, false);
    REQUIRE(got);
    CHECK(got->all_installed());
    CHECK_FALSE(got->timed_out);
    CHECK(polls == 5);
    CHECK(out.str() == "seq 1: 2 appliances, 2 notified, 0 fetched, 0 installed, 0 failed\n"
                       "seq 1: 2 appliances, 2 notified, 1 fetched, 0 installed, 0 failed\n"
                       "seq 1: 2 appliances, 2 notified, 1 fetched, 1 installed, 0 failed\n"
                       "seq 1: 2 appliances, 2 notified, 1 fetched, 2 installed, 0 failed\n");
}

TEST_CASE("--wait gives up when time runs out, rewrites one line on a terminal, and names who is missing")
{
    world w;
    w.register_appliance(appliance("gw-1", "192.0.2.1"), t0);
    w.register_appliance(appliance("gw-2", "192.0.2.1"), t0);
    w.notify({appliance("gw-1", "192.0.2.1"), appliance("gw-2", "192.0.2.1")});
    REQUIRE(w.store->record_report({"gw-2", w.entry.seq, "failed", "hook exited 1", t0}));
    int polls = 0;
    std::ostringstream out;
    auto got = wait_for_installs(*w.store, w.entry.seq, {"gw-1", "gw-2"}, 3, w.clock,
                                 [&] {
                                     ++polls;
                                     w.clock.advance(1);
                                 },
                                 out, true);
    REQUIRE(got);
    CHECK(got->timed_out);
    CHECK_FALSE(got->all_installed());
    CHECK(polls == 3);
    CHECK(got->not_installed == std::vector<std::string>{"gw-1: no report", "gw-2: failed: hook exited 1"});
    CHECK(out.str().rfind("\rseq 1: 2 appliances, 2 notified, 0 fetched, 0 installed, 1 failed, 3 s left", 0) == 0);
    CHECK(out.str().find("0 s left") != std::string::npos);
    CHECK(out.str().back() == '\n');
}

TEST_CASE("every UUN is recorded as handing off before the MTA sees it, then with its result")
{
    world w;
    auto a = appliance("gw-1", "192.0.2.11");
    auto b = appliance("gw-2", "192.0.2.12");
    w.register_appliance(a, t0 - 60);
    w.register_appliance(b, t0 - 60);
    std::map<std::string, store::notification_record> at_submit;
    w.mta.on_submit = [&] { at_submit = w.recorded(); };
    auto report = w.notify({a, b});
    CHECK(report.queued == 2);
    // What a uun-publish killed during the hand-off leaves behind.
    REQUIRE(at_submit.size() == 2);
    CHECK(at_submit["gw-1"].result == store::handing_off_result);
    CHECK(at_submit["gw-2"].result == store::handing_off_result);
    CHECK(at_submit["gw-1"].expires == t0 + 3600);  // live: the relay map keeps its route
    auto after = w.recorded();
    CHECK(after["gw-1"].result == "queued");
    CHECK(after["gw-2"].result == "queued");
}
