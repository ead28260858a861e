// milter.yaml: defaults, every key read, and errors that name file, line and
// key; also the example config in conf/ must load.
#include "milter/filter/milter_config.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace uun::filter;

namespace {

const char* const minimal = "trusted_keys: [/etc/uun/publisher.pem]\nspool_dir: /var/spool/uun/triggers\n";

}  // namespace

TEST_CASE("a minimal config gets the documented defaults")
{
    auto c = parse_milter_config(minimal, "milter.yaml");
    REQUIRE(c);
    CHECK(c->socket == "unix:/var/spool/postfix/uun/milter.sock");
    CHECK(c->user == "uun-milter");
    CHECK(c->group.empty());
    CHECK(c->socket_group.empty());
    CHECK(c->socket_mode == 0660);
    CHECK(c->clock_skew == 300);
    CHECK(c->state_dir == "/var/lib/uun-milter");
    CHECK(c->max_header_bytes == 1024);
    CHECK(c->replay_cache_entries == 100000);
    CHECK_FALSE(c->subject_marker);
    CHECK_FALSE(c->body_token);
    CHECK_FALSE(c->wants_body());
    CHECK(c->max_body_bytes == 65536);
    CHECK(c->log_to == uun::log::sink::syslog);
    CHECK_FALSE(c->debug);
}

TEST_CASE("every key is read")
{
    auto c = parse_milter_config("socket: inet:8891@127.0.0.1\n"
                                 "user: milter\ngroup: uun\nsocket_group: postfix\nsocket_mode: \"0600\"\n"
                                 "pid_file: /run/m.pid\n"
                                 "trusted_keys: [/k/a.pem, /k/b.pem]\nclock_skew: 2m\n"
                                 "spool_dir: /s\nstate_dir: /st\nmax_header_bytes: 512\n"
                                 "replay_cache_entries: 1000\n"
                                 "variants:\n  subject_marker: true\n  body_token: true\n  max_body_bytes: 8KiB\n"
                                 "log:\n  to: stderr\n  debug: true\n",
                                 "milter.yaml");
    REQUIRE(c);
    CHECK(c->socket == "inet:8891@127.0.0.1");
    CHECK(c->user == "milter");
    CHECK(c->group == "uun");
    CHECK(c->socket_group == "postfix");
    CHECK(c->socket_mode == 0600);
    CHECK(c->pid_file == "/run/m.pid");
    CHECK(c->trusted_keys.size() == 2);
    CHECK(c->clock_skew == 120);
    CHECK(c->spool_dir == "/s");
    CHECK(c->state_dir == "/st");
    CHECK(c->max_header_bytes == 512);
    CHECK(c->replay_cache_entries == 1000);
    CHECK(c->subject_marker);
    CHECK(c->body_token);
    CHECK(c->wants_body());
    CHECK(c->max_body_bytes == 8192);
    CHECK(c->log_to == uun::log::sink::stderr_stream);
    CHECK(c->debug);
}

TEST_CASE("config errors name file, line and key")
{
    struct row {
        const char* label;
        const char* yaml;
        const char* want;
    };
    const row rows[] = {
        {"no trusted keys at all", "spool_dir: /s\n", "milter.yaml:1: 'trusted_keys' is required"},
        {"empty key list", "trusted_keys: []\nspool_dir: /s\n",
         "milter.yaml:1: 'trusted_keys': must list at least one public key file"},
        {"relative key path", "trusted_keys: [pub.pem]\nspool_dir: /s\n", "'trusted_keys': 'pub.pem' is not an absolute"},
        {"no spool dir", "trusted_keys: [/k.pem]\n", "'spool_dir' is required"},
        {"relative spool dir", "trusted_keys: [/k.pem]\nspool_dir: spool\n",
         "milter.yaml:2: 'spool_dir': must be an absolute path"},
        {"socket of another kind", "socket: local6:x\ntrusted_keys: [/k.pem]\nspool_dir: /s\n",
         "milter.yaml:1: 'socket': must start with unix: or inet:"},
        {"relative unix socket", "socket: unix:milter.sock\ntrusted_keys: [/k.pem]\nspool_dir: /s\n",
         "'socket': a unix socket needs an absolute path"},
        {"inet socket without a port", "socket: inet:x@127.0.0.1\ntrusted_keys: [/k.pem]\nspool_dir: /s\n",
         "'socket': an inet socket needs a port"},
        {"inet port out of range", "socket: inet:70000\ntrusted_keys: [/k.pem]\nspool_dir: /s\n",
         "an inet socket needs a port from 1 to 65535"},
        {"inet port without an address (every interface)", "socket: inet:8891\ntrusted_keys: [/k.pem]\nspool_dir: /s\n",
         "milter.yaml:1: 'socket': an inet socket needs an explicit address (without one libmilter listens on every "
         "interface), such as inet:8891@127.0.0.1"},
        {"bad socket mode", "socket_mode: rw\ntrusted_keys: [/k.pem]\nspool_dir: /s\n",
         "milter.yaml:1: 'socket_mode': must be an octal mode"},
        {"socket mode too wide", "socket_mode: \"7777\"\ntrusted_keys: [/k.pem]\nspool_dir: /s\n",
         "'socket_mode': must be an octal mode"},
        {"bad skew", "trusted_keys: [/k.pem]\nspool_dir: /s\nclock_skew: soon\n",
         "milter.yaml:3: 'clock_skew' must be a duration"},
        {"skew too large", "trusted_keys: [/k.pem]\nspool_dir: /s\nclock_skew: 2d\n", "'clock_skew': must be at most 24h"},
        {"header limit above lib's", "trusted_keys: [/k.pem]\nspool_dir: /s\nmax_header_bytes: 4096\n",
         "milter.yaml:3: 'max_header_bytes' must be an integer from 128 to 1024"},
        {"unknown variant", "trusted_keys: [/k.pem]\nspool_dir: /s\nvariants:\n  subject: true\n",
         "milter.yaml:4: unknown key 'subject' in 'variants'"},
        {"variant not a boolean", "trusted_keys: [/k.pem]\nspool_dir: /s\nvariants:\n  body_token: maybe\n",
         "milter.yaml:4: 'variants.body_token' must be true or false"},
        {"body limit too small", "trusted_keys: [/k.pem]\nspool_dir: /s\nvariants:\n  max_body_bytes: 10\n",
         "'variants.max_body_bytes': must be from 1KiB to 1MiB"},
        {"unknown log sink", "trusted_keys: [/k.pem]\nspool_dir: /s\nlog:\n  to: file\n",
         "milter.yaml:4: 'log.to': must be syslog or stderr"},
        {"misspelt key", "trusted_keys: [/k.pem]\nspool_dir: /s\nspool_directory: /x\n",
         "milter.yaml:3: unknown key 'spool_directory'"},
        {"empty user", "user: ''\ntrusted_keys: [/k.pem]\nspool_dir: /s\n", "'user': must name a user"},
        {"relative pid file", "pid_file: m.pid\ntrusted_keys: [/k.pem]\nspool_dir: /s\n",
         "'pid_file': must be an absolute path"},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        auto got = parse_milter_config(r.yaml, "milter.yaml");
        REQUIRE_FALSE(got);
        INFO("got: ", got.error().message);
        CHECK(got.error().message.find(r.want) != std::string::npos);
    }
}

TEST_CASE("several errors are reported in one run")
{
    auto got = parse_milter_config("socket: tcp:1\nspool_dir: rel\nbogus: 1\n", "milter.yaml");
    REQUIRE_FALSE(got);
    const auto& m = got.error().message;
    CHECK(m.find("'socket'") != std::string::npos);
    CHECK(m.find("'spool_dir'") != std::string::npos);
    CHECK(m.find("unknown key 'bogus'") != std::string::npos);
    CHECK(m.find("'trusted_keys' is required") != std::string::npos);
}

TEST_CASE("the example config in conf/ loads")
{
    auto c = load_milter_config(UUN_SOURCE_DIR "/conf/milter.yaml");
    INFO((c ? std::string() : c.error().message));
    REQUIRE(c);
    CHECK_FALSE(c->trusted_keys.empty());
    CHECK_FALSE(c->subject_marker);
    CHECK_FALSE(c->body_token);
}

TEST_CASE("unix_socket_path takes the path of unix: sockets only")
{
    CHECK(unix_socket_path("unix:/a/b.sock") == "/a/b.sock");
    CHECK(unix_socket_path("inet:25@x").empty());
}

TEST_CASE("trusted_root (v2) instead of trusted_keys")
{
    auto c = parse_milter_config("trusted_root: [/var/lib/uun-updater/root.json, /etc/uun/root.json]\n"
                                 "spool_dir: /s\n",
                                 "milter.yaml");
    INFO((c ? std::string() : c.error().message));
    REQUIRE(c);
    CHECK(c->trusted_root == std::vector<std::string>{"/var/lib/uun-updater/root.json", "/etc/uun/root.json"});
    CHECK(c->trusted_keys.empty());
    CHECK(c->as_read.at("trusted_root") == "[/var/lib/uun-updater/root.json, /etc/uun/root.json]");
    CHECK(c->as_read.count("trusted_keys") == 0);

    auto v1 = parse_milter_config(minimal, "milter.yaml");
    REQUIRE(v1);
    CHECK(v1->trusted_root.empty());
    CHECK(v1->as_read.count("trusted_root") == 0);  // a v1 config prints as before
}

TEST_CASE("trusted_root errors")
{
    struct row {
        const char* label;
        const char* yaml;
        const char* want;
    };
    const row rows[] = {
        {"both trusted_keys and trusted_root", "trusted_keys: [/k.pem]\ntrusted_root: [/r.json]\nspool_dir: /s\n",
         "'trusted_root': 'trusted_keys' and 'trusted_root' exclude each other"},
        {"empty list", "trusted_root: []\nspool_dir: /s\n", "'trusted_root': must list at least one root file"},
        {"relative path", "trusted_root: [/r.json, root.json]\nspool_dir: /s\n",
         "'trusted_root': 'root.json' is not an absolute path"},
        {"not a list", "trusted_root: {a: 1}\nspool_dir: /s\n", "'trusted_root'"},
        {"too many files",
         "trusted_root: [/1, /2, /3, /4, /5, /6, /7, /8, /9]\nspool_dir: /s\n", "lists more than 8 files"},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        auto got = parse_milter_config(r.yaml, "milter.yaml");
        REQUIRE_FALSE(got);
        INFO("got: ", got.error().message);
        CHECK(got.error().message.find(r.want) != std::string::npos);
        CHECK(got.error().message.find("unknown key") == std::string::npos);
    }
}
