// A scratch appliance for updater unit tests: directories, a publisher key,
// a config, a fake server and an injected clock and random source. Each test
// builds one; the scratch directory goes away with it.
#pragma once

#include "lib/proto/keyring.hpp"
#include "lib/util/base64.hpp"
#include "lib/util/clock.hpp"
#include "lib/util/random.hpp"
#include "milter/updater/random_source.hpp"
#include "milter/updater/state_store.hpp"
#include "milter/updater/updater_config.hpp"
#include "milter/updater/updater_service.hpp"
#include "test/unit/milter/updater/fake_server.hpp"
#include "test/unit/test_support.hpp"

#include <fstream>
#include <memory>
#include <sstream>

#include <sys/stat.h>

namespace uun::test {

inline std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline bool exists(const std::string& path)
{
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

inline void spit(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

struct world {
    scratch_dir dir;
    proto::private_key key = *proto::private_key::generate();
    proto::keyring ring;
    updater::updater_config config;
    fake_server server;
    manual_clock clock{1'800'000'000};
    updater::seeded_source random{42};
    std::unique_ptr<updater::state_store> store;

    world()
    {
        for (const char* sub : {"spool", "target"})
            ::mkdir(dir.file(sub).c_str(), 0755);
        config.server = "https://updates.test";
        config.appliance = {"gw-1", "mg-5000", "3.2.1"};
        config.notify_recipient = "uun@[127.0.4.1]";
        config.state_dir = dir.file("state");
        config.spool_dir = dir.file("spool");
        config.poll_interval = std::chrono::hours(24);
        config.backoff_min = std::chrono::seconds(30);
        config.coalesce_window = std::chrono::seconds(2);
        add_channel("av");
        add_channel("sys");
        ring.add(key.public_part());
        store = std::make_unique<updater::state_store>(config.state_dir);
    }

    updater::channel_config& add_channel(const std::string& name)
    {
        updater::channel_config ch;
        ch.name = name;
        ch.file = dir.file("target/" + name + ".db");
        ch.max_size = 1 << 20;
        ch.hook_timeout = std::chrono::seconds(10);
        return config.channels[name] = ch;
    }

    updater::channel_config& channel(const std::string& name) { return config.channels.at(name); }
    std::string file(const std::string& channel_name) { return config.channels.at(channel_name).file; }
    // The file a channel's install replaces, as it was before the update.
    void set_old_file(const std::string& channel_name, const std::string& text) { spit(file(channel_name), text); }

    proto::update_entry entry(std::uint64_t seq, const std::string& channel, const std::string& bytes,
                              const std::string& target = "product=mg-5000,version>=3.2")
    {
        proto::update_entry e;
        e.seq = seq;
        e.id = cat(channel, "-", seq);
        e.channel = channel;
        e.name = cat(channel, "-", seq, ".db");
        e.sha256 = sha256_hex(bytes);
        e.size = bytes.size();
        e.urgent = true;
        e.published = 1'800'000'000;
        e.target = *proto::parse_target_list(target);
        return e;
    }

    nlohmann::json sign(const proto::update_entry& e, const proto::private_key& by)
    {
        return proto::dsse_sign(proto::update_payload_type, proto::entry_payload(e), by);
    }

    // Signs an entry with the trusted key and puts it and its payload on the server.
    proto::update_entry publish(std::uint64_t seq, const std::string& channel, const std::string& bytes,
                                const std::string& target = "product=mg-5000,version>=3.2")
    {
        auto e = entry(seq, channel, bytes, target);
        server.envelopes[seq] = sign(e, key);
        server.payloads[e.sha256] = bytes;
        return e;
    }

    // heads: the heads= line the milter writes for a UUN with h= (none: v1).
    std::string drop_trigger(std::uint64_t seq, const std::string& heads = "")
    {
        std::string nonce = base64url_encode(random_bytes(16));  // 22 characters
        std::string name = cat("uun-", seq, "-", nonce);
        spit(cat(config.spool_dir, "/", name), heads.empty() ? "" : cat("seq=", seq, "\nheads=", heads, "\n"));
        return name;
    }

    std::size_t trigger_count()
    {
        std::size_t n = 0;
        for (const auto& e : std::filesystem::directory_iterator(config.spool_dir))
            n += e.path().filename().string().starts_with("uun-") ? 1 : 0;
        return n;
    }

    std::unique_ptr<updater::updater_service> service()
    {
        auto s = std::make_unique<updater::updater_service>(config, ring, server, *store, clock, random);
        auto started = s->start();
        if (!started)
            throw std::runtime_error(started.error().message);
        return s;
    }

    std::uint64_t saved_last_seq() { return store->load()->last_seq; }
};

}  // namespace uun::test
