// uun-publish's command line: argument errors, and each exit code from a
// whole run against a scratch server.yaml, a real SQLite store and a
// stand-in sendmail script (the Postfix suite uses the real one).
#include "lib/util/file_util.hpp"
#include "server/keygen/keygen.hpp"
#include "server/publish/cli_options.hpp"
#include "server/publish/mail_transport.hpp"
#include "server/publish/publish_app.hpp"
#include "server/store/store.hpp"
#include "test/unit/server/publish/publish_site.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include <sys/stat.h>

using namespace uun;
using namespace uun::publish;
using uun::test::scratch_site;

namespace {

outcome<cli_options> parse(std::vector<std::string> args)
{
    args.insert(args.begin(), "uun-publish");
    std::vector<const char*> argv;
    for (const auto& a : args)
        argv.push_back(a.c_str());
    return parse_cli(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("command-line errors are usage failures with a message that says what to do")
{
    struct row {
        const char* label;
        std::vector<std::string> args;
        const char* want;  // "" = parses
    };
    const row rows[] = {
        {"nothing to do", {}, "nothing to do"},
        {"unknown option", {"--colour"}, "unrecognised option '--colour'"},
        {"file without channel", {"f.bin"}, "publishing needs --channel"},
        {"two files", {"--channel", "av", "a", "b"}, "give one FILE per publish"},
        {"two commands", {"--list", "--status", "3"}, "give one of"},
        {"channel without file", {"--channel", "av", "--list"}, "--channel goes with FILE only"},
        {"urgent without file", {"--urgent", "--renotify", "2"}, "--urgent goes with FILE only"},
        {"seq zero", {"--status", "0"}, "SEQ starts at 1"},
        {"seq not a number", {"--status", "three"}, "the argument ('three') for option '--status' is invalid"},
        {"wait without urgent", {"--channel", "av", "--wait=5", "f"}, "--wait goes with --urgent or --renotify"},
        {"wait takes the next word as its value", {"--channel", "av", "--wait", "f"},
         "the argument ('f') for option '--wait' is invalid"},
        {"wait with status", {"--status", "2", "--wait=5"}, "--wait goes with --urgent or --renotify"},
        {"wait zero", {"--renotify", "2", "--wait=0"}, "--wait must be from 1 to"},
        {"limit without list", {"--status", "1", "--limit", "5"}, "--limit goes with --list only"},
        {"publish", {"--channel", "av", "--urgent", "--target", "product=x", "--name", "n.bin", "f"}, ""},
        {"renotify and wait default", {"--renotify", "7", "--wait"}, ""},
        {"list with limit", {"--list", "--limit", "5"}, ""},
        {"print-config with two keys", {"--print-config", "a", "b"}, "--print-config takes one KEY at most"},
        {"print-config with a command", {"--print-config", "--list"}, "--print-config takes one KEY at most"},
        {"print-config", {"--print-config"}, ""},
        {"print-config KEY", {"--print-config", "publish.key"}, ""},
        {"status without SEQ", {"--status"}, ""},
        {"status with two SEQs", {"--status", "1", "2"}, "--status takes one SEQ at most"},
        {"status json", {"--status", "4", "--json"}, ""},
        {"json on its own", {"--json"}, "nothing to do"},
        {"json with renotify", {"--renotify", "2", "--json"}, "--json goes with --status, --list"},
        {"json with publish", {"--channel", "av", "--json", "f"}, "--json goes with --status, --list"},
        {"short version", {"-V"}, ""},
    };
    for (const auto& r : rows) {
        auto got = parse(r.args);
        INFO(std::string(r.label), ": ", (got ? std::string("parsed") : got.error().message));
        if (std::string(r.want).empty()) {
            CHECK(got);
        } else {
            REQUIRE_FALSE(got);
            CHECK(got.error().code == exit_code::usage);
            CHECK(got.error().message.find(r.want) != std::string::npos);
        }
    }
    auto p = parse({"--channel", "av", "--urgent", "--target", "product=x", "--name", "n.bin", "f"});
    CHECK(p->what == command::publish);
    CHECK(p->file == "f");
    CHECK(p->name == std::optional<std::string>("n.bin"));
    CHECK(p->urgent);
    CHECK_FALSE(p->wait_seconds);
    auto w = parse({"--renotify", "7", "--wait"});
    CHECK(w->seq == 7);
    CHECK(w->wait_seconds == std::optional<std::int64_t>(default_wait_seconds));
    CHECK(parse({"--renotify", "7", "--wait=30"})->wait_seconds == std::optional<std::int64_t>(30));
    CHECK(parse({"--status"})->seq == 0);
    CHECK(parse({"--status", "4", "--json"})->seq == 4);
    CHECK(parse({"--status", "4", "--json"})->json);
    CHECK(parse({"-V"})->what == command::version);
    auto pc = parse({"--print-config", "publish.key"});
    CHECK(pc->what == command::print_config);
    CHECK(pc->print_key == "publish.key");
}

TEST_CASE("sendmail gets -f <sender> -i -- <recipient> after its configured arguments")
{
    CHECK(sendmail_argv({"/usr/sbin/sendmail", "-C", "/etc/postfix-uun"}, "uun+gw-1@d", "uun@gw-1") ==
          std::vector<std::string>{"/usr/sbin/sendmail", "-C", "/etc/postfix-uun", "-f", "uun+gw-1@d", "-i", "--",
                                   "uun@gw-1"});
    settings::mta_config m;
    m.postmap = {"/usr/sbin/postmap", "-c", "/etc/postfix-uun"};
    m.relay_map = "/etc/postfix-uun/uun_relayhost";
    m.map_type = "lmdb";
    CHECK(postmap_argv(m) == std::vector<std::string>{"/usr/sbin/postmap", "-c", "/etc/postfix-uun",
                                                      "lmdb:/etc/postfix-uun/uun_relayhost"});
}

TEST_CASE("bad input gets its exit code and message, and the log stays as it was")
{
    scratch_site site;
    auto payload = site.dir.file("payload.bin");
    struct row {
        const char* label;
        const char* config;
        std::vector<std::string> args;
        int want_code;
        std::string want_message;
    };
    const row rows[] = {
        {"config missing", "nope.yaml", {"--list"}, 2, "nope.yaml: cannot open"},
        {"file missing", "server.yaml", {"--channel", "av", site.dir.file("missing.bin")}, 3,
         "missing.bin: No such file or directory"},
        {"file is a directory", "server.yaml", {"--channel", "av", site.dir.file("payloads")}, 3,
         "payloads: not a regular file"},
        {"file empty", "server.yaml", {"--channel", "av", site.dir.file("empty.bin")}, 3, "the file is empty"},
        {"file too large", "server.yaml", {"--channel", "av", site.dir.file("big.bin")}, 3,
         "2048 bytes is over store.max_payload_size (1024 bytes)"},
        {"unknown channel", "server.yaml", {"--channel", "games", payload}, 3,
         "channel 'games' is not in publish.channels (av, sys)"},
        {"bad name", "server.yaml", {"--channel", "av", "--name", "../x", payload}, 3,
         "name '../x' is not a plain file name"},
        {"bad target", "server.yaml", {"--channel", "av", "--target", "colour=red", payload}, 3, "--target: "},
        {"unreadable key", "bad-key.yaml", {"--channel", "av", payload}, 3, "publisher key (publish.key): "},
        {"no sendmail", "no-sendmail.yaml", {"--channel", "av", "--urgent", payload}, 4,
         "MTA not ready: mta.sendmail: " + site.dir.file("no-such-sendmail") + " is not an executable program"},
        {"store unwritable", "no-store.yaml", {"--channel", "av", payload}, 5, "store: "},
        {"payload dir missing", "no-payloads.yaml", {"--channel", "av", payload}, 5,
         "store.payload_dir: " + site.dir.file("missing-payloads") + ": payload directory does not exist"},
        {"status of an unknown seq", "server.yaml", {"--status", "9"}, 3, "no entry with seq 9"},
        {"renotify an unknown seq", "server.yaml", {"--renotify", "9"}, 3, "no entry with seq 9"},
    };
    site.register_appliance("gw-1");  // the store exists, empty log
    for (const auto& r : rows) {
        auto got = site.run(r.config, r.args);
        INFO(std::string(r.label), ": exit ", got.code, " (want ", r.want_code, "), stderr: ", got.err);
        CHECK(got.code == r.want_code);
        CHECK(got.err.find(r.want_message) != std::string::npos);
        CHECK(got.out.empty());
        CHECK(site.head_seq() == 0);
    }
    auto list = site.run("server.yaml", {"--list"});
    CHECK(list.code == 0);
    CHECK(list.out.find("SEQ  ID  CHANNEL") == 0);
    CHECK(list.out.find("\n(no entries published yet)\n") != std::string::npos);
}

TEST_CASE("an urgent publish stores the entry and hands one mail per appliance to sendmail")
{
    scratch_site site;
    site.register_appliance("gw-1");
    site.register_appliance("gw-2");
    auto plain = site.run("server.yaml", {"--channel", "sys", site.dir.file("payload.bin")});
    CHECK(plain.code == 0);
    CHECK(plain.out.find("published seq 1 (sys-1) channel sys, payload.bin, 23 bytes, sha256 ") == 0);

    auto got = site.run("server.yaml",
                        {"--channel", "av", "--urgent", "--name", "sig.bin", site.dir.file("payload.bin")});
    INFO("stderr: ", got.err);
    CHECK(got.code == 0);
    CHECK(got.out.find("published seq 2 (av-2) channel av, sig.bin, 23 bytes") == 0);
    CHECK(got.out.find("notified seq 2: 2 of 2 UUNs queued, 0 failed") != std::string::npos);
    auto argv = read_file(site.dir.file("relay"), 4096);
    REQUIRE(argv);
    CHECK(argv->find("uun+gw-1@uun.vendor.test smtp:[127.0.2.11]:25\n") != std::string::npos);
    std::vector<std::string> argvs;
    for (const auto& f : std::filesystem::directory_iterator(site.dir.file("outbox")))
        if (f.path().extension() == ".argv")
            argvs.push_back(*read_file(f.path().string(), 4096));
    std::sort(argvs.begin(), argvs.end());
    CHECK(argvs == std::vector<std::string>{"-f\nuun+gw-1@uun.vendor.test\n-i\n--\nuun@gw-1.example\n",
                                            "-f\nuun+gw-2@uun.vendor.test\n-i\n--\nuun@gw-2.example\n"});

    auto status = site.run("server.yaml", {"--status", "2"});
    CHECK(status.code == 0);
    CHECK(status.out.find("2 appliances: 2 notified, 0 hand-offs failed") != std::string::npos);
    auto list = site.run("server.yaml", {"--list"});
    CHECK(list.out.find("2    av-2") != std::string::npos);
    CHECK(list.out.find("1    sys-1") != std::string::npos);
    auto apps = site.run("server.yaml", {"--appliances"});
    CHECK(apps.out.find("gw-2  127.0.2.11  25    uun@gw-2.example") != std::string::npos);
}

TEST_CASE("a failing sendmail: tried again once, the entry stays published, each failure is recorded, exit 4, renotify retries")
{
    scratch_site site;
    site.register_appliance("gw-1");
    auto got = site.run("failing.yaml", {"--channel", "av", "--urgent", site.dir.file("payload.bin")});
    CHECK(got.code == 4);
    CHECK(got.out.find("published seq 1") == 0);
    CHECK(got.err.find("UUN not handed off: gw-1 (127.0.2.11:25): " + site.sendmail_fails +
                       " exited 75: sendmail: fatal: queue file write error (2 tries)") != std::string::npos);
    CHECK(got.err.find("retry with --renotify 1") != std::string::npos);
    CHECK(site.head_seq() == 1);
    auto status = site.run("server.yaml", {"--status", "1"});
    CHECK(status.out.find("failed: " + site.sendmail_fails + " exited 75") != std::string::npos);

    auto retry = site.run("server.yaml", {"--renotify", "1"});
    CHECK(retry.code == 0);
    CHECK(retry.out.find("notified seq 1: 1 of 1 UUNs queued") != std::string::npos);
    CHECK(site.head_seq() == 1);
    auto after = site.run("server.yaml", {"--status", "1"});
    CHECK(after.out.find("1 notified, 0 hand-offs failed") != std::string::npos);

    auto plain = site.run("server.yaml", {"--channel", "sys", site.dir.file("payload.bin")});
    CHECK(plain.code == 0);
    auto not_urgent = site.run("server.yaml", {"--renotify", "2"});
    CHECK(not_urgent.code == 3);
    CHECK(not_urgent.err.find("entry 2 is not urgent") != std::string::npos);
}

TEST_CASE("--print-config shows server.yaml as uun-publish reads it, defaults included, and touches nothing")
{
    scratch_site site;
    auto one = site.run("server.yaml", {"--print-config", "store.sqlite"});
    CHECK(one.code == 0);
    CHECK(one.out == site.dir.file("store.db") + "\n");
    auto all = site.run("server.yaml", {"--print-config"});
    CHECK(all.code == 0);
    CHECK(all.out.find("poll.interval = ") != std::string::npos);     // a default: the file has no poll section
    CHECK(all.out.find("registry.expire_after = ") != std::string::npos);
    auto unknown = site.run("server.yaml", {"--print-config", "store.nope"});
    CHECK(unknown.code == 1);
    CHECK(unknown.err.find("'store.nope' is not a setting of ") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(site.dir.file("store.db")));
}
