// A scratch uun-publish site for unit tests: a publisher key, a payload
// directory, stand-in sendmail scripts, server.yaml variants and a real
// SQLite store, and run() for a whole uun-publish run. Used by cli_test.cpp
// and publish_trust_test.cpp.
#pragma once

#include "lib/util/file_util.hpp"
#include "server/keygen/keygen.hpp"
#include "server/publish/publish_app.hpp"
#include "server/store/store.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace uun::test {

struct run_result {
    int code = -1;
    std::string out;
    std::string err;
};

struct scratch_site {
    scratch_dir dir;
    std::string sendmail_ok, sendmail_fails;

    scratch_site()
    {
        REQUIRE(keygen::write_key_pair(dir.file("publisher")));
        std::filesystem::create_directory(dir.file("payloads"));
        std::filesystem::create_directory(dir.file("outbox"));
        sendmail_ok = dir.file("sendmail-ok");
        REQUIRE(write_file_atomic(sendmail_ok,
                                  "#!/bin/sh\n"
                                  "# Stand-in for sendmail: keeps its arguments and the message.\n"
                                  "f=$(mktemp " + dir.file("outbox") + "/mail.XXXXXX)\n"
                                  "printf '%s\\n' \"$@\" > \"$f.argv\"\n"
                                  "cat > \"$f\"\n",
                                  0755));
        sendmail_fails = dir.file("sendmail-fails");
        REQUIRE(write_file_atomic(sendmail_fails,
                                  "#!/bin/sh\ncat >/dev/null\necho 'sendmail: fatal: queue file write error' >&2\n"
                                  "exit 75\n",
                                  0755));
        REQUIRE(write_file_atomic(dir.file("payload.bin"), "signature database v42\n"));
        REQUIRE(write_file_atomic(dir.file("empty.bin"), ""));
        REQUIRE(write_file_atomic(dir.file("big.bin"), std::string(2048, 'x')));
        REQUIRE(write_file_atomic(dir.file("garbage.key"), "not a key\n", 0600));
        write_config("server.yaml", sendmail_ok);
        write_config("failing.yaml", sendmail_fails);
        write_config("no-sendmail.yaml", dir.file("no-such-sendmail"));
        write_config("bad-key.yaml", sendmail_ok, dir.file("garbage.key"));
        write_config("no-store.yaml", sendmail_ok, dir.file("publisher.key"), dir.file("missing/store.db"));
        write_config("no-payloads.yaml", sendmail_ok, dir.file("publisher.key"), dir.file("store.db"),
                     dir.file("missing-payloads"));
    }

    // extra_publish: more lines of the publish section, each "  key: value\n".
    void write_config(const std::string& name, const std::string& sendmail, std::string key = "",
                      std::string sqlite = "", std::string payloads = "", const std::string& extra_publish = "")
    {
        key = key.empty() ? dir.file("publisher.key") : key;
        sqlite = sqlite.empty() ? dir.file("store.db") : sqlite;
        payloads = payloads.empty() ? dir.file("payloads") : payloads;
        REQUIRE(write_file_atomic(dir.file(name),
                                  cat("store:\n  sqlite: ", sqlite, "\n  payload_dir: ", payloads,
                                      "\n  max_payload_size: 1KiB\n"
                                      "publish:\n  key: ", key,
                                      "\n  channels: [av, sys]\n  from: uun@vendor.test\n"
                                      "  sender_domain: uun.vendor.test\n", extra_publish,
                                      "mta:\n  submit: sendmail\n  sendmail: [", sendmail,
                                      "]\n  relay_map: ", dir.file("relay"),
                                      "\n  postmap: [/bin/true]\n"
                                      "log:\n  syslog: false\n")));
    }

    void register_appliance(const std::string& id)
    {
        auto s = store::open_sqlite_store(dir.file("store.db"));
        REQUIRE(s);
        store::appliance_record a;
        a.id = id;
        a.address = "127.0.2.11";
        a.notify_recipient = "uun@" + id + ".example";
        a.product = "mg-5000";
        a.version = "3.2.1";
        a.channels = {"av"};
        a.last_reason = "periodic";
        REQUIRE((*s)->record_poll(a, "hash", std::time(nullptr)));
    }

    std::uint64_t head_seq()
    {
        auto s = store::open_sqlite_store(dir.file("store.db"));
        REQUIRE(s);
        return *(*s)->head_seq();
    }

    run_result run(const std::string& config, std::vector<std::string> args)
    {
        args.insert(args.begin(), {"uun-publish", "-c", dir.file(config)});
        std::vector<const char*> argv;
        for (const auto& a : args)
            argv.push_back(a.c_str());
        std::ostringstream out, err;
        int code = publish::run_publish_cli(static_cast<int>(argv.size()), argv.data(), out, err, false);
        return {code, out.str(), err.str()};
    }
};

}  // namespace uun::test
