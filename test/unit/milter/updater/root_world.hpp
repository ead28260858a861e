// A scratch appliance in root mode (trust.root) for updater unit tests: a
// vendor's keys for every role, root v1 shipped, a fake server that answers
// v2 polls, and a stderr capture to read what the updater logged.
#pragma once

#include "lib/proto/dsse.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/proto/timestamp_statement.hpp"
#include "milter/updater/root_store.hpp"
#include "test/unit/milter/updater/world.hpp"

#include <cstdio>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace uun::test {

// Everything written to stderr (the log in tests) while it lives.
class stderr_capture {
public:
    explicit stderr_capture(std::string path) : path_(std::move(path))
    {
        std::fflush(stderr);
        saved_ = ::dup(2);
        int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ::dup2(fd, 2);
        ::close(fd);
    }
    ~stderr_capture() { restore(); }
    stderr_capture(const stderr_capture&) = delete;
    stderr_capture& operator=(const stderr_capture&) = delete;
    // Stops capturing; returns what was written.
    std::string text()
    {
        restore();
        return slurp(path_);
    }

private:
    void restore()
    {
        if (saved_ < 0)
            return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    std::string path_;
    int saved_ = -1;
};

inline bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

struct vendor_keys {
    std::vector<proto::private_key> root{*proto::private_key::generate(), *proto::private_key::generate()};
    proto::private_key publisher = *proto::private_key::generate();
    proto::private_key timestamp = *proto::private_key::generate();
    proto::private_key notify = *proto::private_key::generate();

    proto::root_metadata make(std::uint64_t version, std::int64_t expires) const
    {
        proto::root_plan p;
        p.version = version;
        p.expires = expires;
        p.keys = {{proto::role_name::root, {root[0].public_part(), root[1].public_part()}},
                  {proto::role_name::publisher, {publisher.public_part()}},
                  {proto::role_name::timestamp, {timestamp.public_part()}},
                  {proto::role_name::notify, {notify.public_part()}}};
        p.thresholds = {{proto::role_name::root, 2}};
        return *proto::make_root(p);
    }
};

inline nlohmann::json sign_root(const proto::root_metadata& root, const std::vector<const proto::private_key*>& by)
{
    auto envelope = proto::root_envelope(root);
    for (const auto* k : by)
        if (!proto::dsse_add_signature(envelope, proto::root_payload_type, *k))
            throw std::runtime_error("cannot sign the root");
    return envelope;
}

struct root_world : world {
    vendor_keys vendor;
    proto::root_metadata root1;

    root_world()
    {
        key = vendor.publisher;  // world::publish signs with the publisher role's key
        root1 = vendor.make(1, clock.now() + 365 * 86400);
        config.trust_root = dir.file("root.json");
        spit(config.trust_root, sign_root(root1, {&vendor.root[0], &vendor.root[1]}).dump());
    }

    // A v2 entry (with its channel_seq) on the server, signed by the publisher.
    proto::update_entry publish_at(std::uint64_t seq, const std::string& channel, std::uint64_t channel_seq,
                                   const std::string& bytes, const std::string& target = "product=mg-5000")
    {
        auto e = entry(seq, channel, bytes, target);
        e.channel_seq = channel_seq;
        server.envelopes[seq] = sign(e, key);
        server.payloads[e.sha256] = bytes;
        return e;
    }

    // A statement naming these heads, issued a minute ago, good for a day.
    void stamp(const std::map<std::string, std::uint64_t>& heads, std::int64_t lifetime = 86400)
    {
        std::uint64_t log_head = server.envelopes.empty() ? 0 : server.envelopes.rbegin()->first;
        for (const auto& [channel, head] : heads)
            log_head = std::max(log_head, head);
        proto::timestamp_statement s{clock.now() - 60, clock.now() - 60 + lifetime, log_head, heads};
        server.timestamp = proto::sign_timestamp(s, vendor.timestamp);
    }

    std::unique_ptr<updater::updater_service> root_service()
    {
        auto root = updater::load_trusted_root(config.state_dir, config.trust_root);
        if (!root)
            throw std::runtime_error(root.error().message);
        auto s = std::make_unique<updater::updater_service>(config, ring, server, *store, clock, random);
        s->follow_root(*root);
        auto started = s->start();
        if (!started)
            throw std::runtime_error(started.error().message);
        return s;
    }

    updater::updater_state saved() { return *store->load(); }
};

}  // namespace uun::test
