// The scratch milter the session tests share (session_test.cpp,
// session_variants_test.cpp): a recorder standing in for libmilter's smfi_*
// calls, one milter's state in a scratch directory, and deliver(), which
// feeds a message through a session the way libmilter would.
#pragma once

#include "lib/proto/uun_header.hpp"
#include "lib/util/clock.hpp"
#include "lib/util/file_util.hpp"
#include "milter/filter/session.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uun::filter::session_world {

inline constexpr std::int64_t start_time = 1763900000;

// Stands in for libmilter: macros the MTA sent, replies the filter set.
struct recorder final : mta_link {
    std::map<std::string, std::string> macros;
    std::vector<std::string> replies;

    const char* macro(const char* name) override
    {
        auto it = macros.find(name);
        return it == macros.end() ? nullptr : it->second.c_str();
    }
    void set_reply(const char* rcode, const char* xcode, const char* text) override
    {
        replies.push_back(cat(rcode, " ", xcode, " ", text));
    }
};

inline proto::private_key new_key()
{
    auto key = proto::private_key::generate();
    REQUIRE(key);
    return *key;
}

// One milter's worth of shared state in a scratch directory.
struct world {
    test::scratch_dir dir;
    proto::private_key publisher = new_key();
    proto::private_key stranger = new_key();
    proto::keyring keys;
    milter_config config;
    manual_clock clock{start_time};
    std::unique_ptr<replay_cache> cache;
    std::unique_ptr<trigger_spool> spool;
    std::unique_ptr<key_source> source;
    std::unique_ptr<filter_context> context;

    explicit world(const std::function<void(milter_config&)>& tweak = {}, std::uint64_t cache_entries = 1000)
    {
        keys.add(publisher.public_part());
        config.trusted_keys = {"/unused.pem"};
        config.spool_dir = dir.file("spool");
        config.state_dir = dir.path();
        if (tweak)
            tweak(config);
        std::filesystem::create_directory(config.spool_dir);
        auto opened = replay_cache::open(dir.file("replay.sqlite"), cache_entries, clock);
        REQUIRE(opened);
        cache = std::move(*opened);
        spool = std::make_unique<trigger_spool>(config.spool_dir);
        source = key_source::fixed(keys);
        context = std::make_unique<filter_context>(
            filter_context{.config = config, .keys = *source, .cache = *cache, .spool = *spool, .time = clock});
    }

    std::string uun(std::uint64_t seq = 42, std::int64_t issued_offset = 0, std::int64_t lifetime = 3600,
                    const proto::private_key* key = nullptr, std::string nonce = "")
    {
        proto::uun_claim claim{.key_id = "",
                               .seq = seq,
                               .channel = "av",
                               .issued = start_time + issued_offset,
                               .expires = start_time + issued_offset + lifetime,
                               .nonce = nonce.empty() ? proto::new_uun_nonce() : nonce};
        return proto::format_uun_header(proto::sign_uun(claim, key ? *key : publisher));
    }

    std::set<std::string> triggers() const
    {
        std::set<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(config.spool_dir))
            names.insert(e.path().filename().string());
        return names;
    }
};

using header_list = std::vector<std::pair<std::string, std::string>>;

struct outcome {
    step at_end_of_headers = step::next;
    step final_step = step::next;
    std::vector<std::string> replies;
};

// One message as the MTA would send it: headers, end of headers, and the
// body plus end of message only when the filter asked for them.
inline outcome deliver(session& s, const header_list& headers, const std::string& body = "",
                       const char* queue_id = "QID1")
{
    recorder mta;
    if (queue_id)
        mta.macros["{i}"] = queue_id;
    for (const auto& [name, value] : headers)
        s.header(name, value);
    outcome out;
    out.at_end_of_headers = s.end_of_headers(mta);
    out.final_step = out.at_end_of_headers;
    if (out.at_end_of_headers == step::next) {
        for (std::size_t at = 0; at < body.size(); at += 100) {
            if (s.body(std::string_view(body).substr(at, 100)) == step::skip)
                break;
        }
        out.final_step = s.end_of_message(mta);
    }
    out.replies = mta.replies;
    return out;
}

inline std::string nonce_of(const std::string& header)
{
    auto parsed = proto::parse_uun_header(header);
    REQUIRE(parsed);
    return parsed->claim.nonce;
}

}  // namespace uun::filter::session_world
