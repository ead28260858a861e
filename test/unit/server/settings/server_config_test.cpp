// server.yaml: the shipped example loads for both programs; bad values are
// reported with line and key.
#include "lib/util/file_util.hpp"
#include "server/settings/server_config.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace uun;
using namespace uun::settings;

TEST_CASE("the shipped conf/server.yaml loads for the daemon and for publish")
{
    std::string path = std::string(UUN_SOURCE_DIR) + "/conf/server.yaml";
    auto daemon = load_server_config(path, config_purpose::daemon);
    INFO((daemon ? "" : daemon.error().message));
    REQUIRE(daemon);
    CHECK(daemon->listen.size() == 2);
    CHECK(daemon->registry.expire_after == std::chrono::hours(24 * 7));
    CHECK(daemon->limits.max_body == 16384);
    CHECK(daemon->tls.session_tickets);
    CHECK(daemon->admin.listen == std::vector<std::string>{"127.0.0.1:8444"});
    CHECK(daemon->limits.handshake_timeout == std::chrono::seconds(5));
    CHECK(daemon->limits.per_address.max_connections == 32);
    CHECK(daemon->limits.per_address.max_handshakes == 8);
    CHECK(daemon->limits.per_address.new_registrations == 60);
    CHECK(daemon->registry.max_appliances == 1000000);
    auto publish = load_server_config(path, config_purpose::publish);
    REQUIRE(publish);
    CHECK(publish->publish.channels == std::vector<std::string>{"av", "sys"});
    CHECK(publish->mta.reload == std::vector<std::string>{"/usr/sbin/postfix", "reload"});
    CHECK(publish->mta.submit == submit_method::smtp);
    CHECK(publish->mta.parallel == 4);
    CHECK(publish->mta.smtp == "127.0.0.1:25");
}

TEST_CASE("mta.submit, mta.smtp and mta.parallel: defaults and accepted values")
{
    test::scratch_dir dir;
    auto path = dir.file("test.yaml");
    const std::string base = "store: {sqlite: /s.db, payload_dir: /p}\n"
                             "publish: {key: /k, channels: [av], from: a@b, sender_domain: b}\n";
    REQUIRE(write_file_atomic(path, base + "mta: {relay_map: /r}\n"));
    auto defaults = load_server_config(path, config_purpose::publish);
    REQUIRE(defaults);
    CHECK(defaults->mta.submit == submit_method::smtp);
    CHECK(defaults->mta.parallel == 4);
    CHECK(defaults->mta.smtp == "127.0.0.1:25");
    REQUIRE(write_file_atomic(path, base + "mta: {relay_map: /r, submit: sendmail, smtp: '[::1]:10025', parallel: 2}\n"));
    auto smtp = load_server_config(path, config_purpose::publish);
    INFO((smtp ? "" : smtp.error().message));
    REQUIRE(smtp);
    CHECK(smtp->mta.submit == submit_method::sendmail);
    CHECK(smtp->mta.smtp == "[::1]:10025");
    CHECK(smtp->mta.parallel == 2);
}

TEST_CASE("server.yaml errors name the line and the key")
{
    const std::string base = "listen: ['127.0.0.1:8443']\n"
                             "tls: {certificate: /c.pem, key: /k.pem}\n"
                             "store: {sqlite: /s.db, payload_dir: /p}\n";
    struct row {
        const char* label;
        std::string yaml;
        config_purpose purpose;
        const char* want;
    };
    const row rows[] = {
        {"minimal daemon config is fine", base, config_purpose::daemon, ""},
        {"daemon without tls", "listen: ['127.0.0.1:8443']\nstore: {sqlite: /s.db, payload_dir: /p}\n",
         config_purpose::daemon, "'tls' is required"},
        {"publish without a publish section", base, config_purpose::publish, "'publish' is required"},
        {"bad listen address", "listen: ['localhost:8443']\ntls: {certificate: /c, key: /k}\n"
                               "store: {sqlite: /s.db, payload_dir: /p}\n",
         config_purpose::daemon, "test.yaml:1: 'listen': 'localhost:8443' is not address:port"},
        {"relative store path", "listen: ['[::1]:1']\ntls: {certificate: /c, key: /k}\n"
                                "store: {sqlite: s.db, payload_dir: /p}\n",
         config_purpose::daemon, "'store.sqlite': must be an absolute path"},
        {"typo in a section", base + "registry:\n  expire_afer: 3d\n", config_purpose::daemon,
         "test.yaml:5: unknown key 'expire_afer' in 'registry'"},
        {"bad channel name", base + "publish: {key: /k, channels: [AV], from: a@b, sender_domain: b}\n",
         config_purpose::daemon, "'publish.channels': 'AV' is not a channel name"},
        {"relative sendmail", base + "mta: {sendmail: [sendmail], relay_map: /r}\n", config_purpose::daemon,
         "'mta.sendmail': must start with an absolute program path"},
        {"proxy not an IP", base + "registry: {trusted_proxies: [proxy.example]}\n", config_purpose::daemon,
         "'proxy.example' is not an IP address"},
        {"unknown submit method", base + "mta: {submit: lmtp, relay_map: /r}\n", config_purpose::daemon,
         "test.yaml:4: 'mta.submit': must be sendmail or smtp, not 'lmtp'"},
        {"smtp not an address", base + "mta: {submit: smtp, smtp: 'localhost:25', relay_map: /r}\n",
         config_purpose::daemon, "'mta.smtp': 'localhost:25' is not address:port"},
        {"smtp off loopback", base + "mta: {submit: smtp, smtp: '192.0.2.1:25', relay_map: /r}\n",
         config_purpose::daemon, "'mta.smtp': '192.0.2.1:25' must be a loopback address"},
        {"from with a line break", base + "publish: {key: /k, channels: [av], from: \"a@b\\nBcc: c@d\", sender_domain: b}\n",
         config_purpose::daemon, "'publish.from': must be printable ASCII on one line"},
        {"sender_domain with a space", base + "publish: {key: /k, channels: [av], from: a@b, sender_domain: 'b c'}\n",
         config_purpose::daemon, "'publish.sender_domain': must be a bare domain"},
        {"parallel out of range", base + "mta: {parallel: 0, relay_map: /r}\n", config_purpose::daemon,
         "'mta.parallel'"},
        {"a UUN lifetime of 400 days", base + "publish: {key: /k, channels: [av], from: a@b, sender_domain: b, "
                                              "uun_lifetime: 400d}\n",
         config_purpose::daemon, "'publish.uun_lifetime': must be from 1m to 24h (the X-UUN format's maximum)"},
        {"a UUN lifetime of one day is fine", base + "publish: {key: /k, channels: [av], from: a@b, sender_domain: b, "
                                                     "uun_lifetime: 24h}\n",
         config_purpose::daemon, ""},
        {"session_tickets not a boolean",
         "listen: ['127.0.0.1:8443']\ntls: {certificate: /c, key: /k, session_tickets: sometimes}\n"
         "store: {sqlite: /s.db, payload_dir: /p}\n",
         config_purpose::daemon, "test.yaml:2: 'tls.session_tickets'"},
        {"handshake_timeout of 0s", base + "limits: {handshake_timeout: 0s}\n", config_purpose::daemon,
         "test.yaml:4: 'limits.handshake_timeout': must be from 1s to 60s"},
        {"handshake_timeout of 2m", base + "limits: {handshake_timeout: 2m}\n", config_purpose::daemon,
         "'limits.handshake_timeout': must be from 1s to 60s"},
        {"handshake_timeout of 60s is fine", base + "limits: {handshake_timeout: 60s}\n", config_purpose::daemon, ""},
        {"per_address.max_connections 0", base + "limits: {per_address: {max_connections: 0}}\n",
         config_purpose::daemon, "test.yaml:4: 'limits.per_address.max_connections'"},
        {"per_address.max_handshakes not a number", base + "limits:\n  per_address:\n    max_handshakes: many\n",
         config_purpose::daemon, "test.yaml:6: 'limits.per_address.max_handshakes'"},
        {"per_address.new_registrations 0", base + "limits: {per_address: {new_registrations: 0}}\n",
         config_purpose::daemon, "'limits.per_address.new_registrations'"},
        {"typo in per_address", base + "limits: {per_address: {max_conections: 3}}\n", config_purpose::daemon,
         "unknown key 'max_conections'"},
        {"max_appliances 0", base + "registry: {max_appliances: 0}\n", config_purpose::daemon,
         "test.yaml:4: 'registry.max_appliances'"},
        {"admin address not address:port", base + "admin: {listen: ['localhost:8444']}\n", config_purpose::daemon,
         "test.yaml:4: 'admin.listen': 'localhost:8444' is not address:port"},
        {"admin on the appliance address", base + "admin: {listen: ['127.0.0.1:8443']}\n", config_purpose::daemon,
         "'admin.listen': '127.0.0.1:8443' is also in listen"},
        {"no admin listener is fine", base + "admin: {listen: []}\n", config_purpose::daemon, ""},
    };
    test::scratch_dir dir;
    for (const auto& r : rows) {
        auto path = dir.file("test.yaml");
        REQUIRE(write_file_atomic(path, r.yaml));
        auto got = load_server_config(path, r.purpose);
        INFO(std::string(r.label), ": ", (got ? std::string("loaded") : got.error().message));
        if (std::string(r.want).empty()) {
            CHECK(got);
        } else {
            REQUIRE_FALSE(got);
            CHECK(got.error().message.find(r.want) != std::string::npos);
        }
    }
}

TEST_CASE("trust: all three keys or none; timestamp_lifetime from 1m to 7d; roots_dir must exist")
{
    test::scratch_dir dir;
    REQUIRE(::mkdir(dir.file("roots").c_str(), 0755) == 0);
    const std::string base = "listen: ['127.0.0.1:8443']\n"
                             "tls: {certificate: /c.pem, key: /k.pem}\n"
                             "store: {sqlite: /s.db, payload_dir: /p}\n";
    const std::string roots = dir.file("roots");
    struct row {
        const char* label;
        std::string trust;
        std::string want;  // "": loads
    };
    const row rows[] = {
        {"both paths, default lifetime", "trust: {roots_dir: " + roots + ", timestamp_key: /ts.pem}\n", ""},
        {"a lifetime of 7d", "trust: {roots_dir: " + roots + ", timestamp_key: /ts.pem, timestamp_lifetime: 7d}\n", ""},
        {"no timestamp_key", "trust: {roots_dir: " + roots + "}\n", "'trust.timestamp_key' is required"},
        {"no roots_dir", "trust: {timestamp_key: /ts.pem, timestamp_lifetime: 2d}\n", "'trust.roots_dir' is required"},
        {"a lifetime of 8d", "trust: {roots_dir: " + roots + ", timestamp_key: /ts.pem, timestamp_lifetime: 8d}\n",
         "test.yaml:4: 'trust.timestamp_lifetime': must be from 1m to 7d"},
        {"a lifetime of 30s", "trust: {roots_dir: " + roots + ", timestamp_key: /ts.pem, timestamp_lifetime: 30s}\n",
         "'trust.timestamp_lifetime': must be from 1m to 7d"},
        {"a relative key path", "trust: {roots_dir: " + roots + ", timestamp_key: ts.pem}\n",
         "'trust.timestamp_key': must be an absolute path"},
        {"roots_dir that does not exist", "trust: {roots_dir: " + roots + "/none, timestamp_key: /ts.pem}\n",
         "'trust.roots_dir': '" + std::string(roots) + "/none' is not a directory"},
        {"an unknown key", "trust: {roots_dir: " + roots + ", timestamp_key: /ts.pem, root: /r}\n",
         "unknown key 'root' in 'trust'"},
    };
    for (const auto& r : rows) {
        auto path = dir.file("test.yaml");
        REQUIRE(write_file_atomic(path, base + r.trust));
        auto got = load_server_config(path, config_purpose::daemon);
        INFO(std::string(r.label), ": ", (got ? std::string("loaded") : got.error().message));
        if (r.want.empty()) {
            REQUIRE(got);
            CHECK(got->trust.enabled());
            CHECK(got->trust.roots_dir == roots);
            CHECK(got->trust.timestamp_key == "/ts.pem");
            CHECK(got->as_read.at("trust.roots_dir") == roots);
            CHECK(got->as_read.contains("trust.timestamp_lifetime"));
        } else {
            REQUIRE_FALSE(got);
            CHECK(got.error().message.find(r.want) != std::string::npos);
        }
    }
    REQUIRE(write_file_atomic(dir.file("test.yaml"), base));
    auto v1 = load_server_config(dir.file("test.yaml"), config_purpose::daemon);
    REQUIRE(v1);
    CHECK_FALSE(v1->trust.enabled());
    CHECK(v1->trust.timestamp_lifetime == std::chrono::hours(24));
    CHECK_FALSE(v1->as_read.contains("trust.roots_dir"));
}

TEST_CASE("registry.expire_after against poll.interval: refused when rows expire between polls, a warning when close")
{
    test::scratch_dir dir;
    auto path = dir.file("test.yaml");
    const std::string base = "store: {sqlite: /s.db, payload_dir: /p}\n"
                             "publish: {key: /k, channels: [av], from: a@b, sender_domain: b}\n"
                             "mta: {relay_map: /r}\n";
    struct row {
        const char* label;
        std::string yaml;
        std::string error;                  // "" = loads
        std::vector<std::string> warnings;  // substrings, one per warning expected
    };
    const row rows[] = {
        {"the defaults", "", "", {}},
        {"the issue's pair: 1d against 7d", "registry: {expire_after: 1d}\npoll: {interval: 7d}\n",
         "test.yaml:4: 'registry.expire_after': 1d is shorter than the longest gap between two polls of one "
         "appliance, poll.interval (7d) plus the updaters' jitter of up to 50 % (252h)",
         {}},
        {"just inside the jitter", "registry: {expire_after: 35h}\npoll: {interval: 24h}\n",
         "'registry.expire_after': 35h is shorter", {}},
        {"at the longest gap: works, unwise", "registry: {expire_after: 36h}\npoll: {interval: 24h}\n", "",
         {"test.yaml:4: 'registry.expire_after': 36h is under 3 x poll.interval (3d)"}},
        {"3 x the interval", "registry: {expire_after: 3d}\npoll: {interval: 24h}\n", "", {}},
        {"a sweep less often than expiry", "registry: {expire_after: 3d, sweep_interval: 4d}\n", "",
         {"'registry.sweep_interval': 4d is longer than registry.expire_after (3d)"}},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        REQUIRE(write_file_atomic(path, base + r.yaml));
        for (auto purpose : {config_purpose::publish}) {
            auto got = load_server_config(path, purpose);
            if (!r.error.empty()) {
                REQUIRE_FALSE(got);
                CHECK(got.error().message.find(r.error) != std::string::npos);
                CHECK(got.error().message.find("3 x poll.interval") != std::string::npos);
                continue;
            }
            INFO((got ? "" : got.error().message));
            REQUIRE(got);
            REQUIRE(got->warnings.size() == r.warnings.size());
            for (std::size_t i = 0; i < r.warnings.size(); ++i)
                CHECK(got->warnings[i].find(r.warnings[i]) != std::string::npos);
        }
    }
}
