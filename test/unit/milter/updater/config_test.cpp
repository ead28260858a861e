// updater.yaml: a good file reads every key (defaults included), the shipped
// example is valid, and each mistake is reported with file:line:key.
#include "lib/proto/identity.hpp"
#include "lib/util/file_util.hpp"
#include "milter/updater/updater_config.hpp"
#include "test/unit/milter/updater/world.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace uun;
using namespace uun::updater;
using namespace std::chrono_literals;

namespace {

// Fills {dir} in a config text with a scratch directory holding what paths need.
struct config_dir {
    test::scratch_dir dir;
    config_dir()
    {
        for (const char* sub : {"spool", "target", "keys"})
            ::mkdir(dir.file(sub).c_str(), 0755);
        auto key = *proto::private_key::generate();
        test::spit(dir.file("keys/publisher.pem"), key.public_part().pem());
        test::spit(dir.file("ca.pem"), "not checked here\n");
    }
    std::string expand(std::string text) const
    {
        for (std::size_t at; (at = text.find("{dir}")) != std::string::npos;)
            text.replace(at, 5, dir.path());
        return text;
    }
    result<updater_config> parse(const std::string& text) const
    {
        return parse_updater_config(expand(text), "updater.yaml");
    }
};

const std::string minimal = R"(server: https://updates.example.net:8443/
appliance:
  id: gw-0001
  product: mg-5000
  version: 3.2.1
notify:
  recipient: uun@gw1.example.net
trusted_keys: [{dir}/keys/publisher.pem]
state_dir: {dir}/state
spool_dir: {dir}/spool
channels:
  av:
    file: {dir}/target/av.db
)";

}  // namespace

TEST_CASE("a minimal config gets the documented defaults")
{
    config_dir d;
    auto c = d.parse(minimal);
    REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    CHECK(c->server == "https://updates.example.net:8443");  // trailing slash dropped
    CHECK(c->ca_file.empty());
    CHECK(c->notify_port == 25);
    CHECK(c->poll_interval == 24h);
    CHECK(c->max_poll_interval == 7 * 24h);
    CHECK(c->jitter_percent == 10);
    CHECK(c->backoff_min == 30s);
    CHECK(c->reset_countdown_on_urgent == false);
    CHECK(c->coalesce_window == 2s);
    CHECK(c->max_answer_size == 1u << 20);
    CHECK(c->timeouts.connect == 10s);
    CHECK(c->timeouts.request == 60s);
    CHECK(c->timeouts.download == 30min);
    CHECK(c->timeouts.low_speed_time == 30s);
    CHECK(c->timeouts.low_speed_limit == 1024);
    REQUIRE(c->channel("av"));
    CHECK(c->channel("av")->hook.empty());
    CHECK(c->channel("av")->hook_timeout == 60s);
    CHECK(c->channel("av")->max_size == 64u << 20);
    CHECK(c->log_debug == false);
}

TEST_CASE("every key is read")
{
    config_dir d;
    auto c = d.parse(minimal + R"(    hook: [/bin/true, --quiet]
    hook_timeout: 5m
    max_size: 10MiB
  sys:
    file: {dir}/target/sys.tar
ca_file: {dir}/ca.pem
pinned_public_key: sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=
source_address: 127.0.4.2
poll_interval: 6h
max_poll_interval: 2d
jitter: 20
backoff_min: 1m
reset_countdown_on_urgent: true
coalesce_window: 5s
max_answer_size: 256KiB
timeouts:
  connect: 5s
  request: 20s
  download: 1h
  low_speed_time: 10s
  low_speed_limit: 4KiB
log:
  level: debug
)");
    REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    CHECK(c->ca_file == d.dir.file("ca.pem"));
    CHECK(c->pinned_public_key.starts_with("sha256//"));
    CHECK(c->source_address == "127.0.4.2");
    CHECK(c->poll_interval == 6h);
    CHECK(c->max_poll_interval == 48h);
    CHECK(c->jitter_percent == 20);
    CHECK(c->backoff_min == 60s);
    CHECK(c->reset_countdown_on_urgent);
    CHECK(c->coalesce_window == 5s);
    CHECK(c->max_answer_size == 256u << 10);
    CHECK(c->timeouts.connect == 5s);
    CHECK(c->timeouts.request == 20s);
    CHECK(c->timeouts.download == 1h);
    CHECK(c->timeouts.low_speed_time == 10s);
    CHECK(c->timeouts.low_speed_limit == 4096);
    CHECK(c->channel_names() == std::vector<std::string>{"av", "sys"});
    CHECK(c->channel("av")->hook == std::vector<std::string>{"/bin/true", "--quiet"});
    CHECK(c->channel("av")->hook_timeout == 300s);
    CHECK(c->channel("av")->max_size == 10u << 20);
    CHECK(c->log_debug);
}

TEST_CASE("without appliance.id the id comes from /etc/machine-id, for uun alone")
{
    config_dir d;
    std::string text = minimal;
    text.erase(text.find("  id: gw-0001\n"), std::string("  id: gw-0001\n").size());
    auto first = d.parse(text);
    REQUIRE_MESSAGE(first, (first ? "" : first.error().message));
    CHECK(first->appliance.id.size() == 32);
    CHECK(proto::is_valid_appliance_id(first->appliance.id));
    auto again = d.parse(text);
    REQUIRE(again);
    CHECK(again->appliance.id == first->appliance.id);
    auto machine = read_file("/etc/machine-id", 64);
    REQUIRE(machine);
    CHECK(machine->find(first->appliance.id) == std::string::npos);  // derived, not the machine id itself
    CHECK(first->as_read.at("appliance.id") == first->appliance.id);  // --print-config shows it
}

TEST_CASE("the shipped conf/updater.yaml is valid once its paths exist")
{
    config_dir d;
    auto text = read_file(std::string(UUN_SOURCE_DIR) + "/conf/updater.yaml", 1 << 20);
    REQUIRE(text);
    std::string t = *text;
    auto replace = [&](const std::string& from, const std::string& to) {
        auto at = t.find(from);
        REQUIRE_MESSAGE(at != std::string::npos, from);
        t.replace(at, from.size(), to);
    };
    ::mkdir(d.dir.file("target/sys").c_str(), 0755);
    replace("/etc/uun/keys/publisher.pem", d.dir.file("keys/publisher.pem"));
    replace("/var/lib/uun-updater", d.dir.file("state"));
    replace("/var/spool/uun/triggers", d.dir.file("spool"));
    replace("/var/lib/mg/av/signatures.db", d.dir.file("target/signatures.db"));
    replace("/var/lib/mg/sys/rules.tar", d.dir.file("target/sys/rules.tar"));
    replace("/usr/lib/mg/reload-av", "/bin/true");
    replace("/usr/lib/mg/apply-rules", "/bin/true");
    auto c = parse_updater_config(t, "conf/updater.yaml");
    REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    CHECK(c->channels.size() == 2);
}

TEST_CASE("config errors name file, line and key")
{
    struct row {
        const char* label;
        std::string append;   // added to the minimal config
        std::string replace;  // or: a line of the minimal config to replace ("from=>to")
        const char* want;
    };
    const row rows[] = {
        {"unknown key", "colour: blue\n", "", "updater.yaml:14: unknown key 'colour'"},
        {"unknown key in a channel", "    hookk: [/bin/true]\n", "", "updater.yaml:14: unknown key 'hookk' in 'channels.av'"},
        {"http server", "", "server: https://updates.example.net:8443/=>server: http://updates.example.net",
         "updater.yaml:1: 'server': 'http://updates.example.net' must start with https://"},
        {"server not a URL", "", "server: https://updates.example.net:8443/=>server: 'https://'", "'server'"},
        {"server with a query", "", "server: https://updates.example.net:8443/=>server: https://u.example/?x=1",
         "must not have a query"},
        {"missing server", "", "server: https://updates.example.net:8443/=>", "'server' is required"},
        {"bad appliance id", "", "  id: gw-0001=>  id: gw 0001", "updater.yaml:3: 'appliance.id'"},
        {"upper-case appliance id (GW-0001 would take gw-0001's UUNs)", "", "  id: gw-0001=>  id: GW-0001",
         "updater.yaml:3: 'appliance.id': must be 1 to 64 of a-z 0-9 . _ - (lower case"},
        {"bad version", "", "  version: 3.2.1=>  version: 3.2/1", "updater.yaml:5: 'appliance.version'"},
        {"bad recipient", "", "  recipient: uun@gw1.example.net=>  recipient: 'uun <x@y>'", "'notify.recipient'"},
        // The server's rule (lib/proto/identity); the updater used to accept these and then poll in vain.
        {"recipient with two @", "", "  recipient: uun@gw1.example.net=>  recipient: a@b@gw1.example.net",
         "updater.yaml:7: 'notify.recipient': must be local@domain or local@[ip], printable, at most 254 bytes"},
        {"recipient with an empty label", "", "  recipient: uun@gw1.example.net=>  recipient: uun@gw1..example.net",
         "updater.yaml:7: 'notify.recipient'"},
        {"recipient at a bad IP literal", "", "  recipient: uun@gw1.example.net=>  recipient: 'uun@[300.1.1.1]'",
         "updater.yaml:7: 'notify.recipient'"},
        {"recipient at a host with _", "", "  recipient: uun@gw1.example.net=>  recipient: uun@gw_1.example.net",
         "updater.yaml:7: 'notify.recipient'"},
        {"port out of range", "", "  recipient: uun@gw1.example.net=>  recipient: uun@gw1.example.net\n  port: 70000", "'notify.port' must be an integer from 1 to 65535"},
        {"relative state_dir", "", "state_dir: {dir}/state=>state_dir: state", "'state_dir': 'state' must be an absolute path"},
        {"missing spool_dir", "", "spool_dir: {dir}/spool=>spool_dir: {dir}/nospool", "'spool_dir'"},
        {"missing trusted key file", "", "trusted_keys: [{dir}/keys/publisher.pem]=>trusted_keys: [{dir}/keys/none.pem]",
         "'trusted_keys'"},
        {"empty trusted keys", "", "trusted_keys: [{dir}/keys/publisher.pem]=>trusted_keys: []", "at least one"},
        {"trusted_keys and trust.root", "trust: {root: {dir}/ca.pem}\n", "",
         "'trusted_keys': and 'trust.root' are both set"},
        {"neither trusted_keys nor trust.root", "", "trusted_keys: [{dir}/keys/publisher.pem]=>",
         "'trusted_keys': or 'trust.root' is required"},
        {"relative trust.root", "", "trusted_keys: [{dir}/keys/publisher.pem]=>trust: {root: root.json}",
         "'trust.root': 'root.json' must be an absolute path"},
        {"missing trust.root", "", "trusted_keys: [{dir}/keys/publisher.pem]=>trust: {root: {dir}/none.json}",
         "'trust.root'"},
        {"unknown key under trust", "", "trusted_keys: [{dir}/keys/publisher.pem]=>trust: {root: {dir}/ca.pem, x: 1}",
         "unknown key 'x' in 'trust'"},
        {"channel file relative", "", "    file: {dir}/target/av.db=>    file: av.db", "'channels.av.file'"},
        {"channel directory missing", "", "    file: {dir}/target/av.db=>    file: {dir}/nodir/av.db",
         "does not exist"},
        {"hook relative", "    hook: [reload-av]\n", "", "'channels.av.hook': the program 'reload-av' must be an absolute path"},
        {"hook is a string", "    hook: /bin/true\n", "", "'channels.av.hook' must be a list of strings"},
        {"hook not executable", "    hook: [/etc/passwd]\n", "", "is not executable"},
        {"hook timeout zero", "    hook_timeout: 0s\n", "", "'channels.av.hook_timeout'"},
        {"max_size not a size", "    max_size: big\n", "", "'channels.av.max_size' must be a size"},
        {"bad channel name", "  Web Site:\n    file: {dir}/target/web\n", "", "'Web Site' is not a channel name"},
        {"two channels, one file", "  sys:\n    file: {dir}/target/av.db\n", "", "already the file of another channel"},
        {"no channels", "", "channels:=>other:", "'channels'"},
        {"poll_interval not a duration", "poll_interval: daily\n", "", "updater.yaml:14: 'poll_interval' must be a duration"},
        {"jitter too big", "jitter: 80\n", "", "'jitter' must be an integer from 0 to 50"},
        {"backoff above the interval", "poll_interval: 1m\nbackoff_min: 5m\n", "", "'backoff_min'"},
        {"max_poll_interval below poll_interval", "max_poll_interval: 1h\n", "", "'max_poll_interval'"},
        {"reset not a boolean", "reset_countdown_on_urgent: sometimes\n", "", "must be true or false"},
        {"coalesce window too long", "coalesce_window: 5m\n", "", "'coalesce_window'"},
        {"unknown timeout", "timeouts:\n  connnect: 5s\n", "", "unknown key 'connnect' in 'timeouts'"},
        {"pin in a wrong form", "pinned_public_key: abc\n", "", "'pinned_public_key'"},
        {"source address not an address", "source_address: gw1.example.net\n", "", "'source_address'"},
        {"log level", "log:\n  level: loud\n", "", "'log.level'"},
        {"relative ca_file", "ca_file: ca.pem\n", "", "'ca_file': 'ca.pem' must be an absolute path"},
        {"proxy without url", "proxy: {credentials_file: /etc/passwd}\n", "", "'proxy.url' is required"},
        {"proxy with credentials in the URL", "proxy: {url: \"http://u:p@proxy.example:3128\"}\n", "",
         "'proxy.url': 'http://u:p@proxy.example:3128' must not carry a user name or password: put them in "
         "proxy.credentials_file"},
        {"socks proxy", "proxy: {url: \"socks5://proxy.example:1080\"}\n", "",
         "must start with http:// or https:// (a proxy that takes CONNECT)"},
        {"proxy with a path", "proxy: {url: \"http://proxy.example:3128/x\"}\n", "", "must not have a path"},
        {"relative credentials file", "proxy: {url: \"http://proxy.example:3128\", credentials_file: c}\n", "",
         "'proxy.credentials_file': 'c' must be an absolute path"},
        {"unknown proxy key", "proxy: {url: \"http://proxy.example:3128\", user: me}\n", "",
         "unknown key 'user' in 'proxy'"},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        config_dir d;
        std::string text = minimal + r.append;
        if (!r.replace.empty()) {
            auto arrow = r.replace.find("=>");
            auto from = r.replace.substr(0, arrow);
            auto at = text.find(from);
            REQUIRE(at != std::string::npos);
            text.replace(at, from.size(), r.replace.substr(arrow + 2));
        }
        auto got = d.parse(text);
        REQUIRE_FALSE(got);
        INFO("got: ", got.error().message);
        CHECK(got.error().message.find(d.expand(r.want)) != std::string::npos);
        CHECK(got.error().message.starts_with("updater.yaml:"));
    }
}

TEST_CASE("trust.root instead of trusted_keys is root mode")
{
    config_dir d;
    std::string text = minimal;
    std::string from = "trusted_keys: [{dir}/keys/publisher.pem]";
    text.replace(text.find(from), from.size(), "trust:\n  root: {dir}/ca.pem");
    auto c = d.parse(text);
    REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    CHECK(c->root_mode());
    CHECK(c->trust_root == d.dir.file("ca.pem"));
    CHECK(c->trusted_keys.empty());
    auto v1 = d.parse(minimal);
    REQUIRE(v1);
    CHECK_FALSE(v1->root_mode());
}

TEST_CASE("a missing config file is an error naming it")
{
    auto got = load_updater_config("/nonexistent/updater.yaml");
    REQUIRE_FALSE(got);
    CHECK(got.error().message.find("/nonexistent/updater.yaml") != std::string::npos);
}
