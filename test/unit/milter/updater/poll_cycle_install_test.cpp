// Installing against a fake server (world.hpp): the file swap and the
// previous file, the hook and what its failure or timeout undoes, repair
// after a crash, downloads that resume with Range or have the wrong bytes,
// and the install reports. Which entries get this far is poll_cycle_test.cpp.
#include "milter/updater/poll_protocol.hpp"
#include "test/unit/milter/updater/world.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

using namespace uun;
using namespace uun::updater;
using uun::proto::poll_reason;
using uun::proto::report_status;
using uun::test::world;

TEST_CASE("a valid entry is installed, the previous file kept, the hook run and the install reported")
{
    world w;
    w.set_old_file("av", "old signatures");
    ::chmod(w.file("av").c_str(), 0640);
    std::string seen = w.dir.file("hook-saw");
    w.channel("av").hook = {"/bin/sh", "-c", "echo \"$UUN_SEQ $UUN_FILE $UUN_CHANNEL\" > " + seen};
    w.publish(1, "av", "new signatures");
    auto s = w.service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.complete);
    CHECK(out.installed == 1);
    CHECK(out.problems == 0);
    CHECK(test::slurp(w.file("av")) == "new signatures");
    CHECK(test::slurp(w.file("av") + ".uun-prev") == "old signatures");
    CHECK(test::slurp(seen) == cat("1 ", w.file("av"), " av\n"));
    struct stat st {};
    REQUIRE(::stat(w.file("av").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);  // the new file has the old one's mode
    CHECK(w.saved_last_seq() == 1);
    CHECK_FALSE(w.store->load()->pending);
    REQUIRE(w.server.reports.size() == 1);
    CHECK(w.server.reports[0].at("seq") == 1);
    CHECK(w.server.reports[0].at("status") == "installed");
    // No temp files are left beside the target, and the download is gone.
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(w.dir.file("target")))
        files += e.path().filename().string().starts_with(".") ? 100 : 1;
    CHECK(files == 2);
    CHECK(std::filesystem::is_empty(w.dir.file("state/partial")));
}

TEST_CASE("a payload whose bytes are not the signed ones is reported, kept pending and installed once repaired")
{
    struct row {
        const char* label;
        const char* served;
    };
    const row rows[] = {
        {"sha256 mismatch", "the evil bytes"},
        {"longer than signed", "the real bytes and then some more"},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        world w;
        w.set_old_file("av", "old");
        auto e = w.publish(1, "av", "the real bytes");
        w.server.payloads[e.sha256] = r.served;
        auto s = w.service();
        auto out = s->poll(poll_reason::periodic);
        CHECK_FALSE(out.complete);
        CHECK(out.problems > 0);
        CHECK(test::slurp(w.file("av")) == "old");
        CHECK(w.saved_last_seq() == 0);
        REQUIRE(w.server.reports.size() == 1);
        CHECK(w.server.reports[0].at("status") == "failed");
        CHECK(w.server.reports[0].at("detail").get<std::string>().find("signed") != std::string::npos);
        CHECK(std::filesystem::is_empty(w.dir.file("state/partial")));

        w.server.payloads[e.sha256] = "the real bytes";
        out = s->poll(poll_reason::periodic);
        CHECK(out.complete);
        CHECK(out.installed == 1);
        CHECK(test::slurp(w.file("av")) == "the real bytes");
        CHECK(w.saved_last_seq() == 1);
    }
}

TEST_CASE("a failing hook leaves the previous file in place")
{
    world w;
    w.set_old_file("av", "old");
    w.channel("av").hook = {"/bin/sh", "-c", "echo cannot load signatures >&2; exit 3"};
    w.publish(1, "av", "broken");
    auto s = w.service();
    auto out = s->poll(poll_reason::periodic);
    CHECK_FALSE(out.complete);  // the entry is still to do: the poll backs off and tries again
    CHECK(out.installed == 0);
    CHECK(test::slurp(w.file("av")) == "old");
    CHECK(w.saved_last_seq() == 0);  // not lost: one failed reload does not skip the update
    CHECK_FALSE(w.store->load()->pending);
    CHECK(w.store->load()->retry == std::optional(hook_retry{1, 1}));
    REQUIRE(w.server.reports.size() == 1);
    CHECK(w.server.reports[0].at("status") == "failed");
    std::string detail = w.server.reports[0].at("detail");
    INFO("detail: ", detail);
    CHECK(detail.find("exited 3") != std::string::npos);
    CHECK(detail.find("cannot load signatures") != std::string::npos);
    CHECK(detail.find("(attempt 1 of 5, trying again after a backoff)") != std::string::npos);
    CHECK(detail.find("signatures (attempt") != std::string::npos);  // the output's line end is not kept
}

TEST_CASE("a hook that fails once and then works installs the update at the next poll")
{
    world w;
    w.set_old_file("av", "old");
    auto flag = w.dir.file("hook-fails");
    test::spit(flag, "");
    w.channel("av").hook = {"/bin/sh", "-c", "test ! -e " + flag};
    w.publish(1, "av", "new");
    w.publish(2, "av", "newer");
    auto s = w.service();
    auto first = s->poll(poll_reason::periodic);
    CHECK_FALSE(first.complete);
    CHECK(test::slurp(w.file("av")) == "old");
    CHECK(w.saved_last_seq() == 0);  // seq 2 waits behind seq 1: nothing is skipped
    ::unlink(flag.c_str());
    auto second = s->poll(poll_reason::periodic);
    CHECK(second.complete);
    CHECK(second.installed == 2);
    CHECK(test::slurp(w.file("av")) == "newer");
    CHECK(w.saved_last_seq() == 2);
    CHECK_FALSE(w.store->load()->retry);
    REQUIRE(w.server.reports.size() == 3);
    CHECK(w.server.reports[0].at("status") == "failed");
    CHECK(w.server.reports[1].at("status") == "installed");
    CHECK(w.server.reports[1].at("seq") == 1);
}

TEST_CASE("a hook that keeps failing is given up after 5 attempts, each reported, and the log moves on")
{
    world w;
    w.set_old_file("av", "old");
    w.channel("av").hook = {"/bin/false"};
    w.publish(1, "av", "broken");
    auto s = w.service();
    for (unsigned attempt = 1; attempt < max_hook_attempts; ++attempt) {
        CAPTURE(attempt);
        CHECK_FALSE(s->poll(poll_reason::periodic).complete);
        CHECK(w.saved_last_seq() == 0);
        CHECK(w.store->load()->retry == std::optional(hook_retry{1, attempt}));
    }
    auto last = s->poll(poll_reason::periodic);
    CHECK(last.complete);
    CHECK(w.saved_last_seq() == 1);
    CHECK_FALSE(w.store->load()->retry);
    CHECK(test::slurp(w.file("av")) == "old");
    REQUIRE(w.server.reports.size() == max_hook_attempts);
    for (const auto& r : w.server.reports)
        CHECK(r.at("status") == "failed");
    CHECK(w.server.reports.back().at("detail").get<std::string>().find("(gave up after 5 attempts)") !=
          std::string::npos);
}

TEST_CASE("/bin/false as the hook, and no previous file: the new file is taken away again")
{
    world w;
    w.channel("av").hook = {"/bin/false"};
    w.publish(1, "av", "new");
    auto s = w.service();
    s->poll(poll_reason::periodic);
    CHECK_FALSE(test::exists(w.file("av")));
    CHECK(w.saved_last_seq() == 0);
}

TEST_CASE("a hook that times out is killed and the previous file put back")
{
    world w;
    w.set_old_file("av", "old");
    w.channel("av").hook = {"/bin/sleep", "30"};
    w.channel("av").hook_timeout = std::chrono::seconds(1);
    w.publish(1, "av", "new");
    auto s = w.service();
    auto started = std::chrono::steady_clock::now();
    auto out = s->poll(poll_reason::periodic);
    MESSAGE("the poll with a timed-out hook took ",
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count(),
            " ms");
    CHECK(out.installed == 0);
    CHECK(test::slurp(w.file("av")) == "old");
    REQUIRE(w.server.reports.size() == 1);
    CHECK(w.server.reports[0].at("detail").get<std::string>().find("timed out") != std::string::npos);
}

TEST_CASE("a crash between the rename and the end of the hook is repaired at the next start")
{
    world w;
    w.set_old_file("av", "old");
    // The hook records the state file as it is on disk while the hook runs:
    // that is what a crash at this moment leaves behind.
    std::string snapshot = w.dir.file("state-during-hook");
    std::string file_during = w.dir.file("file-during-hook");
    w.channel("av").hook = {"/bin/sh", "-c",
                            cat("cp ", w.dir.file("state/state.json"), " ", snapshot, "; cp \"$UUN_FILE\" ",
                                file_during)};
    w.publish(1, "av", "new");
    {
        auto s = w.service();
        s->poll(poll_reason::periodic);
    }
    REQUIRE(test::slurp(file_during) == "new");
    // Crash: the state on disk is the snapshot, the new file is in place, the previous kept.
    test::spit(w.dir.file("state/state.json"), test::slurp(snapshot));
    auto crashed = w.store->load();
    REQUIRE(crashed);
    REQUIRE(crashed->pending);
    CHECK(crashed->pending->seq == 1);
    CHECK(crashed->last_seq == 0);

    w.server.reports.clear();
    ::unlink(file_during.c_str());
    auto s = w.service();  // start repairs
    CHECK(test::slurp(w.file("av")) == "old");
    CHECK_FALSE(w.store->load()->pending);
    CHECK(w.saved_last_seq() == 0);
    // ... and the next poll installs the entry again, hook and all.
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.installed == 1);
    CHECK(test::slurp(w.file("av")) == "new");
    CHECK(test::slurp(file_during) == "new");
    CHECK(w.saved_last_seq() == 1);
}

TEST_CASE("an interrupted download resumes with Range on the next try")
{
    world w;
    std::string bytes(10000, 'x');
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>('a' + i % 26);
    auto e = w.publish(1, "av", bytes);
    w.server.cut_downloads_after = 3000;
    auto s = w.service();
    auto first = s->poll(poll_reason::periodic);
    CHECK_FALSE(first.complete);
    CHECK_FALSE(test::exists(w.file("av")));
    CHECK(w.saved_last_seq() == 0);
    CHECK(test::slurp(w.dir.file("state/partial/" + e.sha256)).size() == 3000);

    w.server.cut_downloads_after.reset();
    w.clock.advance(60);
    auto second = s->poll(poll_reason::periodic);
    CHECK(second.complete);
    CHECK(test::slurp(w.file("av")) == bytes);
    CHECK(w.server.requests.at(w.server.requests.size() - 2).range_from == 3000);
    CHECK(w.saved_last_seq() == 1);
}

TEST_CASE("resuming copes with a server that ignores Range, a wrong Content-Range and a damaged partial file")
{
    struct row {
        const char* label;
        std::function<void(world&, const proto::update_entry&)> setup;
    };
    const row rows[] = {
        {"server ignores Range and sends 200", [](world& w, const auto&) { w.server.ignore_range = true; }},
        {"206 starting at the wrong byte",
         [](world& w, const auto&) {
             w.server.payload_script.push_back({206, "application/octet-stream", "ABC", "", "bytes 0-2/10"});
         }},
        {"416 for the range",
         [](world& w, const auto&) {
             w.server.payload_script.push_back({416, "application/json", "{}", "", "bytes */10"});
         }},
        {"damaged partial file",
         [](world& w, const proto::update_entry& e) { test::spit(w.dir.file("state/partial/" + e.sha256), "XYZ"); }},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        world w;
        auto e = w.publish(1, "av", "0123456789");
        w.server.cut_downloads_after = 3;
        auto s = w.service();
        CHECK_FALSE(s->poll(poll_reason::periodic).complete);
        w.server.cut_downloads_after.reset();
        r.setup(w, e);
        auto out = s->poll(poll_reason::periodic);
        CHECK(out.complete);
        CHECK(test::slurp(w.file("av")) == "0123456789");
        CHECK(w.saved_last_seq() == 1);
    }
}

TEST_CASE("a report the server does not take is a problem, but the install stands")
{
    world w;
    w.server.report_status = 500;
    w.publish(1, "av", "bytes");
    auto s = w.service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.complete);
    CHECK(out.installed == 1);
    CHECK(out.problems == 1);
    CHECK(w.saved_last_seq() == 1);
}

TEST_CASE("report bodies carry printable detail of bounded size")
{
    updater_config c;
    c.appliance.id = "gw-1";
    std::string detail = std::string("bad\x01\xff") + std::string(2000, 'x');
    auto j = nlohmann::json::parse(report_body(c, "tok", 7, report_status::failed, detail));
    CHECK(j.at("seq") == 7);
    CHECK(j.at("status") == "failed");
    CHECK(j.at("detail").get<std::string>().size() <= 512);
    CHECK(j.at("detail").get<std::string>().starts_with("bad??"));
}
