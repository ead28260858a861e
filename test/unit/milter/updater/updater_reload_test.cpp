// uun-updater's reload: a whole new generation (config, keys, identity) from
// updater.yaml read again, with state_dir and spool_dir kept at their
// running values; a file that does not load, or names keys that do not,
// is an error and changes nothing.
#include "lib/proto/ed25519.hpp"
#include "lib/util/file_util.hpp"
#include "milter/updater/state_store.hpp"
#include "milter/updater/updater_reload.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace uun;
using namespace uun::updater;

namespace {

struct reload_dir {
    test::scratch_dir dir;
    proto::private_key publisher = *proto::private_key::generate();

    reload_dir()
    {
        for (const char* sub : {"spool", "spool-2", "state", "state-2", "target"})
            ::mkdir(dir.file(sub).c_str(), 0755);
        REQUIRE(write_file_atomic(dir.file("publisher.pem"), publisher.public_part().pem()));
        state_store store(dir.file("state"));
        REQUIRE(store.prepare());
    }

    // updater.yaml with these values in place of the defaults below.
    std::string write(const std::string& id, const std::string& key_file, const std::string& state = "state",
                      const std::string& spool = "spool", const std::string& extra = "")
    {
        std::string text = cat("server: https://updates.example.net:8443\nappliance: {id: ", id,
                               ", product: mg-5000, version: 3.2.1}\nnotify: {recipient: uun@gw.example.net}\n"
                               "trusted_keys: [", dir.file(key_file), "]\nstate_dir: ", dir.file(state),
                               "\nspool_dir: ", dir.file(spool), "\nchannels: {av: {file: ", dir.file("target/av.db"),
                               "}}\n", extra);
        REQUIRE(write_file_atomic(dir.file("updater.yaml"), text));
        return dir.file("updater.yaml");
    }
};

}  // namespace

TEST_CASE("only state_dir and spool_dir wait for a restart")
{
    updater_config a, b;
    b.appliance.id = "gw-2";
    b.server = "https://elsewhere.example.net";
    b.poll_interval = std::chrono::hours(2);
    CHECK(restart_only_changes(a, b).empty());
    b.state_dir = "/s2";
    b.spool_dir = "/sp2";
    CHECK(restart_only_changes(a, b) == std::vector<std::string>{"state_dir", "spool_dir"});
}

TEST_CASE("a reload reads the whole generation again and keeps the running directories")
{
    reload_dir d;
    auto first = load_updater_config(d.write("gw-1", "publisher.pem"), config::host_checks::enforce);
    REQUIRE_MESSAGE(first, (first ? "" : first.error().message));
    auto running = complete_generation(*first);
    REQUIRE_MESSAGE(running, (running ? "" : running.error().message));

    auto next = reload_generation(d.write("gw-2", "publisher.pem", "state-2", "spool-2", "poll_interval: 2h\n"),
                                  running->config);
    REQUIRE_MESSAGE(next, (next ? "" : next.error().message));
    CHECK(next->generation.config.appliance.id == "gw-2");
    CHECK(next->generation.config.poll_interval == std::chrono::hours(2));
    CHECK(next->generation.config.state_dir == d.dir.file("state"));
    CHECK(next->generation.config.spool_dir == d.dir.file("spool"));
    CHECK(next->kept == std::vector<std::string>{"state_dir", "spool_dir"});
    // The identity is the appliance's own key in the running state directory, the same one.
    CHECK(next->generation.identity.fingerprint == running->identity.fingerprint);
}

TEST_CASE("a new config or key file that does not load is an error")
{
    reload_dir d;
    auto first = load_updater_config(d.write("gw-1", "publisher.pem"), config::host_checks::enforce);
    REQUIRE(first);
    auto bad = reload_generation(d.write("gw-1", "publisher.pem", "state", "spool", "no_such_key: 1\n"), *first);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("unknown key 'no_such_key'") != std::string::npos);
    auto no_key = reload_generation(d.write("gw-1", "missing.pem"), *first);
    REQUIRE_FALSE(no_key);
    CHECK(no_key.error().message.find("missing.pem") != std::string::npos);
}
