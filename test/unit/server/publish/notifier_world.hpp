// The notifier's test world: a fake MTA (records the relay map and the
// mails, refuses or defers chosen recipients, lets a test look at the store
// while it takes the mails) and a real SQLite store in a scratch directory.
// For notifier_test.cpp only.
#pragma once

#include "lib/util/clock.hpp"
#include "server/publish/notifier.hpp"
#include "test/unit/test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>

namespace uun::test::notifier {

using namespace uun::publish;

constexpr std::int64_t t0 = 1763900000;

// Records what the notifier hands to the MTA; can be told to fail.
class fake_transport final : public mail_transport {
public:
    std::vector<std::string> calls;
    std::string map;
    std::vector<outgoing_mail> mails;
    std::string map_error;
    std::set<std::string> refuse_recipients;
    std::map<std::string, int> defer_recipients;  // how many more tries to defer
    std::function<void()> on_submit;              // sees the store as the MTA takes the mails

    result<void> check_ready() override { return {}; }
    result<void> lock() override
    {
        calls.push_back("lock");
        return {};
    }
    result<void> install_relay_map(const std::string& content) override
    {
        calls.push_back("map");
        if (!map_error.empty())
            return fail(map_error);
        map = content;
        return {};
    }
    std::vector<handoff> submit(const std::vector<outgoing_mail>& m) override
    {
        calls.push_back("submit");
        if (on_submit)
            on_submit();
        std::vector<handoff> out;
        for (const auto& mail : m) {
            mails.push_back(mail);
            if (refuse_recipients.contains(mail.recipient))
                out.push_back(handoff::refused("sendmail exited 67: addressee unknown"));
            else if (auto& left = defer_recipients[mail.recipient]; left > 0 && left--)
                out.push_back(handoff::deferred("SMTP to smtp://127.0.0.1:25: 452 4.3.2 try again (reply 452)"));
            else
                out.push_back({});
        }
        return out;
    }
};

settings::server_config config()
{
    settings::server_config c;
    c.publish.channels = {"av"};
    c.publish.from = "uun@vendor.example";
    c.publish.sender_domain = "uun.vendor.example";
    c.publish.uun_lifetime = std::chrono::seconds(3600);
    c.registry.expire_after = std::chrono::seconds(7 * 86400);
    return c;
}

store::appliance_record appliance(const std::string& id, const std::string& address, std::string recipient = "")
{
    store::appliance_record a;
    a.id = id;
    a.address = address;
    a.notify_port = 25;
    a.notify_recipient = recipient.empty() ? "uun@" + id + ".example" : recipient;
    a.product = "mg-5000";
    a.version = "3.2.1";
    a.channels = {"av"};
    a.last_reason = "periodic";
    return a;
}

struct world {
    test::scratch_dir dir;
    std::unique_ptr<store::store> store;
    proto::private_key key = *proto::private_key::generate();
    settings::server_config cfg = config();
    manual_clock clock{t0};
    fake_transport mta;
    proto::update_entry entry;
    std::vector<std::chrono::milliseconds> pauses;  // between retry passes

    world()
    {
        auto s = store::open_sqlite_store(dir.file("store.db"));
        REQUIRE(s);
        store = std::move(*s);
        proto::update_entry draft;
        draft.channel = "av";
        draft.name = "sig.bin";
        draft.sha256 = std::string(64, 'a');
        draft.size = 10;
        draft.urgent = true;
        draft.published = t0;
        auto stored = store->append_entry(draft, [](const proto::update_entry&) -> result<std::string> {
            return std::string("{}");
        });
        REQUIRE(stored);
        entry = stored->entry;
    }

    void register_appliance(const store::appliance_record& a, std::int64_t at)
    {
        REQUIRE(store->record_poll(a, "hash-" + a.id, at));
    }

    // An appliance in the registry, as its poll at t0 left it.
    store::appliance_record registered(const std::string& id, const std::string& address)
    {
        auto a = appliance(id, address);
        register_appliance(a, t0);
        return a;
    }

    // The appliance's poll fetches the entries after its last_seq.
    void poll(const store::appliance_record& a, std::int64_t at)
    {
        REQUIRE(store->exchange_poll(a, "hash-" + a.id, at, 64));
    }

    notify_report notify(const std::vector<store::appliance_record>& targets)
    {
        notify_context ctx{cfg, key, *store, mta, clock};
        ctx.pause = [this](std::chrono::milliseconds p) { pauses.push_back(p); };
        auto r = notify_appliances(entry, targets, ctx);
        REQUIRE(r);
        return *r;
    }

    std::map<std::string, store::notification_record> recorded()
    {
        auto rows = store->notifications(entry.seq);
        REQUIRE(rows);
        std::map<std::string, store::notification_record> out;
        for (auto& n : *rows)
            out[n.appliance_id] = n;
        return out;
    }
};

}  // namespace uun::test::notifier
