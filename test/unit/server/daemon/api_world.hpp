// The scratch uun-server the API tests share (api_test.cpp,
// api_payload_test.cpp): a real SQLite store and payload directory in a
// scratch directory, an injected clock, requests handed to api::handle
// without sockets, and helpers that build poll bodies and read answers.
#pragma once

#include "lib/proto/dsse.hpp"
#include "lib/util/base64.hpp"
#include "lib/util/digest.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/random.hpp"
#include "server/daemon/api.hpp"
#include "test/unit/server/store/channel_seq.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace uun::daemon::api_world {

namespace ip = boost::asio::ip;

inline constexpr std::int64_t start_time = 1763900000;

inline std::string new_token()
{
    return base64url_encode(random_bytes(32));
}

struct world {
    test::scratch_dir dir;
    std::unique_ptr<store::store> db;
    proto::private_key key = *proto::private_key::generate();
    metrics counters;
    manual_clock time{start_time};
    std::unique_ptr<api> handler;

    explicit world(std::vector<std::string> proxies = {}, std::shared_ptr<trust_service> trust = nullptr,
                   const std::function<void(api_settings&)>& adjust = {})
    {
        auto opened = store::open_sqlite_store(dir.file("store.db"));
        REQUIRE(opened);
        db = std::move(*opened);
        REQUIRE(::mkdir(dir.file("payloads").c_str(), 0755) == 0);
        api_settings settings;
        settings.max_body = 16 * 1024;
        settings.poll_interval = std::chrono::hours(24);
        settings.max_entries = 2;
        settings.proxies = *trusted_proxies::from_list(proxies);
        settings.trust = std::move(trust);
        if (adjust)
            adjust(settings);
        handler
            = std::make_unique<api>(*db, store::payload_dir(dir.file("payloads")), std::move(settings), counters, time);
    }

    // Imports a payload and appends a signed entry for it, as uun-publish does.
    store::stored_entry publish(const std::string& channel, const std::string& content, const std::string& target = "",
                                bool urgent = false)
    {
        auto source = dir.file("source.bin");
        REQUIRE(write_file_atomic(source, content));
        auto info = store::payload_dir(dir.file("payloads")).import(source, 1 << 20);
        REQUIRE(info);
        proto::update_entry e;
        e.channel = channel;
        e.name = "update.bin";
        e.sha256 = info->sha256;
        e.size = info->size;
        e.urgent = urgent;
        e.published = time.now();
        e.target = *proto::parse_target_list(target);
        auto stored = db->append_entry(e, [&](const proto::update_entry& d) -> result<std::string> {
            return proto::dsse_sign(proto::update_payload_type, proto::entry_payload(d), key).dump();
        });
        REQUIRE(stored);
        return *stored;
    }

    // A v2 entry: channel_seq signed in and stored, as uun-publish's v2 append does.
    store::stored_entry publish_v2(const std::string& channel, std::uint64_t channel_seq,
                                   const std::string& target = "")
    {
        proto::update_entry e;
        e.channel = channel;
        e.name = "update.bin";
        e.sha256 = sha256_hex(cat(channel, channel_seq));
        e.size = 1;
        e.published = time.now();
        e.target = *proto::parse_target_list(target);
        auto stored = db->append_entry(e, [&](proto::update_entry d) -> result<std::string> {
            d.channel_seq = channel_seq;
            return proto::dsse_sign(proto::update_payload_type, proto::entry_payload(d), key).dump();
        });
        REQUIRE(stored);
        test::set_channel_seq(dir.file("store.db"), stored->entry.seq, channel_seq);
        return *stored;
    }

    http_reply request(http::verb method, const std::string& target, const std::string& body = "",
                       const std::string& peer = "127.0.1.9",
                       std::vector<std::pair<std::string, std::string>> fields = {},
                       listener_role role = listener_role::appliance)
    {
        http_request r{method, target, 11};
        for (const auto& [name, value] : fields)
            r.insert(name, value);
        r.body() = body;
        r.prepare_payload();
        return handler->handle(r, ip::make_address(peer), role);
    }

    // A request on the admin listener (admin.listen).
    http_reply admin(http::verb method, const std::string& target)
    {
        return request(method, target, "", "127.0.0.1", {}, listener_role::admin);
    }
};

inline nlohmann::json poll_body(const std::string& id, const std::string& token, std::uint64_t last_seq = 0,
                                std::vector<std::string> channels = {"av", "sys"},
                                const std::string& product = "mg-5000", const std::string& version = "3.2.1")
{
    return nlohmann::json{{"id", id},
                {"token", token},
                {"product", product},
                {"version", version},
                {"channels", channels},
                {"notify", {{"recipient", "uun@" + id + ".example.net"}, {"port", 2525}}},
                {"last_seq", last_seq},
                {"reason", "periodic"}};
}

inline nlohmann::json body_json(const http_reply& r)
{
    return nlohmann::json::parse(r.body().text);
}

inline std::string file_bytes(const http_reply& r)
{
    REQUIRE(r.body().file);
    std::string out(r.body().length, '\0');
    REQUIRE(::pread(r.body().file.get(), out.data(), out.size(), static_cast<off_t>(r.body().offset)) ==
            static_cast<ssize_t>(out.size()));
    return out;
}

}  // namespace uun::daemon::api_world
