// The publish path's two ends without ssh (the integration suite
// publish_remote runs them through a real sshd): which words travel, how
// --serve finds its request, what an admin host's server.yaml may leave out,
// and the requests --serve refuses before it opens anything.
#include "lib/util/clock.hpp"
#include "lib/util/file_util.hpp"
#include "server/publish/remote_commands.hpp"
#include "server/publish/remote_link.hpp"
#include "server/publish/serve.hpp"
#include "server/settings/server_config.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace uun;
using namespace uun::publish;

TEST_CASE("a remote word is letters, digits and . _ - = , : + only")
{
    struct row {
        const char* label;
        std::string word;
        bool want;
    };
    const row rows[] = {
        {"an op", "heads", true},
        {"an option with a value", "--wait=600", true},
        {"a sha256", std::string(64, 'a'), true},
        {"empty", "", false},
        {"a space", "a b", false},
        {"a semicolon", "heads;id", false},
        {"a slash (no paths travel)", "/etc/passwd", false},
        {"a quote", "'x'", false},
        {"a dollar", "$HOME", false},
        {"over 256 characters", std::string(257, 'a'), false},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        CHECK(is_remote_word(r.word) == r.want);
    }
}

TEST_CASE("--serve takes its request from SSH_ORIGINAL_COMMAND when sshd forced the command")
{
    CHECK(serve_words("uun-publish --serve entry 7", {}) == std::vector<std::string>{"entry", "7"});
    CHECK(serve_words("/usr/sbin/uun-publish --serve heads", {"ignored"}) == std::vector<std::string>{"heads"});
    CHECK(serve_words(nullptr, {"payload", "ab", "3"}) == std::vector<std::string>{"payload", "ab", "3"});
    CHECK(serve_words("heads ;  id", {}) == std::vector<std::string>{"heads", ";", "id"});
    CHECK(serve_words("", {}).empty());
}

TEST_CASE("the commands an admin host forwards, word for word")
{
    cli_options o;
    o.what = command::renotify;
    o.seq = 12;
    o.wait_seconds = 600;
    CHECK(forwarded_words(o) == std::vector<std::string>{"run", "--renotify", "12", "--wait=600"});
    o = {};
    o.what = command::list;
    o.limit = 5;
    CHECK(forwarded_words(o) == std::vector<std::string>{"run", "--list", "--limit", "5"});
    o = {};
    o.what = command::appliances;
    CHECK(forwarded_words(o) == std::vector<std::string>{"run", "--appliances"});
    for (const auto& w : forwarded_words(o))
        CHECK(is_remote_word(w));
}

TEST_CASE("an admin host's server.yaml: publish.remote makes store and mta optional, counters required")
{
    test::scratch_dir dir;
    auto path = dir.file("admin.yaml");
    REQUIRE(write_file_atomic(path, "publish: {key: /k, channels: [av], counters: /c.json, "
                                    "remote: [/usr/bin/ssh, uun@update-1]}\n"));
    auto admin = settings::load_server_config(path, settings::config_purpose::publish);
    INFO((admin ? "" : admin.error().message));
    REQUIRE(admin);
    CHECK(admin->publish.remote == std::vector<std::string>{"/usr/bin/ssh", "uun@update-1"});
    CHECK(admin->store.sqlite.empty());

    struct row {
        const char* label;
        std::string yaml;
        std::string want;
    };
    const row refused[] = {
        {"no counters", "publish: {key: /k, channels: [av], remote: [/usr/bin/ssh, h]}\n",
         "must be set with publish.remote"},
        {"a relative program", "publish: {key: /k, channels: [av], counters: /c, remote: [ssh, h]}\n",
         "must start with an absolute program path"},
        {"no store without remote", "publish: {key: /k, channels: [av], from: a@b, sender_domain: b}\nmta: {relay_map: /r}\n",
         "store"},
        {"no key and no notify_key", "store: {sqlite: /s.db, payload_dir: /p}\n"
                                     "publish: {channels: [av], from: a@b, sender_domain: b}\nmta: {relay_map: /r}\n",
         "the publisher key"},
    };
    for (const auto& r : refused) {
        INFO(r.label);
        REQUIRE(write_file_atomic(path, r.yaml));
        auto c = settings::load_server_config(path, settings::config_purpose::publish);
        REQUIRE_FALSE(c);
        CHECK(c.error().message.find(r.want) != std::string::npos);
    }
}

TEST_CASE("--serve refuses a request that is not one before it opens anything")
{
    test::scratch_dir dir;
    auto path = dir.file("server.yaml");
    // The store does not exist: a request that got past the checks would say so.
    REQUIRE(write_file_atomic(path, cat("store: {sqlite: ", dir.file("missing/s.db"), ", payload_dir: /p}\n",
                                        "publish: {notify_key: /n, channels: [av], from: a@b, sender_domain: b}\n",
                                        "mta: {relay_map: /r}\n")));
    auto config = settings::load_server_config(path, settings::config_purpose::publish);
    REQUIRE(config);
    system_clock clock;
    std::ostringstream out, err;
    command_env env{.config = *config, .clock = clock, .out = out, .err = err, .tty = false, .audit = false,
                    .make_transport = {}, .pause = {}};
    struct row {
        const char* label;
        std::vector<std::string> words;
        std::string want;
        exit_code code = exit_code::usage;
    };
    const row rows[] = {
        {"no words", {}, "no request"},
        {"an unknown op", {"drop"}, "is not a request"},
        {"heads with an argument", {"heads", "1"}, "is not a request"},
        {"a shell word", {"heads", ";"}, "is not a request word"},
        {"a seq that is not a number", {"entry", "x1"}, "is not a number"},
        {"a payload name that is not a sha256", {"payload", "abc", "3"}, "is not a sha256"},
        {"a payload of 0 bytes", {"payload", std::string(64, 'a'), "0"}, "is not from 1 to", exit_code::input},
        {"a config forwarded", {"run", "--list", "-c", "x"}, "-c/--config is not forwarded"},
        {"a publish forwarded", {"run", "--channel", "av", "f"}, "only --renotify"},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        auto done = run_serve(r.words, env);
        REQUIRE_FALSE(done);
        CHECK(done.error().message.find(r.want) != std::string::npos);
        CHECK(done.error().code == r.code);
    }
    auto done = run_serve({"heads"}, env);
    REQUIRE_FALSE(done);
    CHECK(done.error().code == exit_code::store);
}
