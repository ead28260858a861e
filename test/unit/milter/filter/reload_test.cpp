// uun-milter's reload: a new generation from milter.yaml read again, keeping
// what only a restart can change, sharing the running cache and spool; a
// config or key that does not load changes nothing.
#include "lib/proto/ed25519.hpp"
#include "lib/util/clock.hpp"
#include "lib/util/file_util.hpp"
#include "milter/filter/reload.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace uun;
using namespace uun::filter;

namespace {

struct reload_world {
    test::scratch_dir dir;
    proto::private_key first = *proto::private_key::generate();
    proto::private_key second = *proto::private_key::generate();
    manual_clock clock{1763900000};
    std::unique_ptr<replay_cache> cache;
    std::unique_ptr<trigger_spool> spool;

    reload_world()
    {
        REQUIRE(write_file_atomic(dir.file("first.pem"), first.public_part().pem()));
        REQUIRE(write_file_atomic(dir.file("second.pem"), second.public_part().pem()));
        std::filesystem::create_directory(dir.file("spool"));
        auto opened = replay_cache::open(dir.file("replay.sqlite"), 100, clock);
        REQUIRE(opened);
        cache = std::move(*opened);
        spool = std::make_unique<trigger_spool>(dir.file("spool"));
    }

    std::string yaml(const std::string& key_file, const std::string& extra = "", std::string socket = "")
    {
        socket = socket.empty() ? dir.file("milter.sock") : socket;
        return cat("socket: unix:", socket, "\ntrusted_keys: [", dir.file(key_file),
                   "]\nspool_dir: ", dir.file("spool"), "\nstate_dir: ", dir.path(), "\n", extra);
    }

    std::shared_ptr<const filter_generation> running()
    {
        REQUIRE(write_file_atomic(dir.file("milter.yaml"), yaml("first.pem")));
        auto config = load_milter_config(dir.file("milter.yaml"));
        REQUIRE(config);
        auto keys = load_keys(*config, clock);
        REQUIRE(keys);
        return std::make_shared<const filter_generation>(std::move(*config), std::move(*keys), *cache, *spool, clock);
    }
};

}  // namespace

TEST_CASE("restart_only_changes names the keys a reload cannot apply, and only those")
{
    milter_config a, b;
    CHECK(restart_only_changes(a, b).empty());
    b.clock_skew = 60;
    b.trusted_keys = {"/k/other.pem"};
    b.body_token = true;
    b.debug = true;
    CHECK(restart_only_changes(a, b).empty());
    b.socket = "inet:8891@127.0.0.1";
    b.spool_dir = "/elsewhere";
    b.replay_cache_entries = 5;
    b.log_to = log::sink::stderr_stream;
    CHECK(restart_only_changes(a, b) ==
          std::vector<std::string>{"socket", "spool_dir", "replay_cache_entries", "log.to"});
}

TEST_CASE("a reload takes the new keys and settings and keeps the running socket, cache and spool")
{
    reload_world w;
    auto before = w.running();
    CHECK(before->keys->describe().find(w.first.id()) != std::string::npos);
    REQUIRE(write_file_atomic(w.dir.file("milter.yaml"),
                              w.yaml("second.pem", "clock_skew: 1m\nsocket_mode: \"0600\"\nvariants: {body_token: true}\n",
                                     "/elsewhere.sock")));
    auto after = reload_generation(w.dir.file("milter.yaml"), *before, w.clock);
    REQUIRE(after);
    const auto& next = *after->generation;
    CHECK(next.keys->describe().find(w.second.id()) != std::string::npos);
    CHECK(next.keys->describe().find(w.first.id()) == std::string::npos);
    CHECK(next.config.clock_skew == 60);
    CHECK(next.config.wants_body());
    CHECK(next.config.socket == before->config.socket);
    CHECK(next.config.socket_mode == before->config.socket_mode);
    CHECK(after->kept == std::vector<std::string>{"socket", "socket_mode"});
    CHECK(&next.context.cache == w.cache.get());
    CHECK(&next.context.spool == w.spool.get());
    CHECK(&next.context.config == &next.config);
    // The running generation is untouched: connections that hold it go on with it.
    CHECK(before->keys->describe().find(w.first.id()) != std::string::npos);
    CHECK(before->config.clock_skew == 300);
}

TEST_CASE("a config or key that does not load is an error and no generation")
{
    reload_world w;
    auto before = w.running();
    REQUIRE(write_file_atomic(w.dir.file("milter.yaml"), w.yaml("first.pem", "clock_skew: soon\n")));
    auto bad = reload_generation(w.dir.file("milter.yaml"), *before, w.clock);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("'clock_skew'") != std::string::npos);
    REQUIRE(write_file_atomic(w.dir.file("milter.yaml"), w.yaml("missing.pem")));
    auto no_key = reload_generation(w.dir.file("milter.yaml"), *before, w.clock);
    REQUIRE_FALSE(no_key);
    CHECK(no_key.error().message.find("missing.pem") != std::string::npos);
    std::filesystem::remove(w.dir.file("milter.yaml"));
    CHECK_FALSE(reload_generation(w.dir.file("milter.yaml"), *before, w.clock));
}
