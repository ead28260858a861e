// The HTTP API of doc/protocol.md, without sockets: one parsed request and the
// peer address in, one answer out. Callers: the session (per request) and the
// unit tests. Store failures become 500s with the reason logged; nothing
// here throws out (a bug becomes a 500 and an error log line).
#pragma once

#include "lib/util/clock.hpp"
#include "server/daemon/address_limits.hpp"
#include "server/daemon/admission_rules.hpp"
#include "server/daemon/client_address.hpp"
#include "server/daemon/metrics.hpp"
#include "server/daemon/replies.hpp"
#include "server/daemon/trust_roots.hpp"
#include "server/store/payload_dir.hpp"
#include "server/store/store.hpp"

#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace uun::daemon {

struct api_settings {
    std::size_t max_body = 16 * 1024;
    std::chrono::seconds poll_interval{86400};
    std::size_t max_entries = 64;
    trusted_proxies proxies;
    bool debug = false;  // per-request log lines
    std::vector<std::string> vendor_domains;  // no notify recipient in these (settings::vendor_domains)
    // Set when server.yaml has a trust section: v2 polls get roots, a
    // timestamp and the per-channel entries. Null: every poll is answered v1.
    std::shared_ptr<trust_service> trust;
    // A poll that would add a registry row past this many rows gets 503.
    std::int64_t max_appliances = 1000000;
    // New rows per client address (limits.per_address.new_registrations); null: unlimited.
    address_table* per_address = nullptr;
    // Who may add a registry row without an admin (registry.admission).
    admission_rules admits;
};

// Which listener a request came in on: appliances get the appliance API
// only; the admin listener serves /metrics and the status page (both /healthz).
enum class listener_role { appliance, admin };

// Routes by path alone (the query is ignored), for metrics labels too.
route route_of(std::string_view target);

class api {
public:
    api(store::store& entries_and_registry, store::payload_dir payloads, api_settings settings, metrics& counters,
        const clock& time);

    // The answer's status is counted in the metrics. The session sets the
    // version, Content-Length, keep-alive and the Server header.
    http_reply handle(const http_request& request, const boost::asio::ip::address& peer,
                      listener_role role = listener_role::appliance) noexcept;

    metrics& counters() { return metrics_; }
    // The trust in use; SIGHUP swaps it while workers answer polls, each of
    // which keeps the one it started with.
    std::shared_ptr<trust_service> trust() const;
    void set_trust(std::shared_ptr<trust_service> fresh);
    bool debug() const { return settings_.debug; }

private:
    http_reply dispatch(route where, const http_request& request, const boost::asio::ip::address& peer);
    // A poll for an id the registry does not hold yet: its answer when the
    // registry is full or the address has used its share (poll_handler.cpp).
    std::optional<http_reply> refuse_registration(const store::appliance_record& appliance);
    bool registry_full(std::int64_t now);
    http_reply poll(const http_request& request, const boost::asio::ip::address& peer);
    // The poll's key (its signature verified) and whether the admission
    // policy lets a new appliance in; a reply when the signature is bad.
    std::variant<store::poll_identity, http_reply> identify(const http_request& request,
                                                            const proto::poll_request& poll) const;
    // The answer to a poll the registry did not record (pending, rejected, ...).
    // known: the id had a registry row before this poll.
    std::optional<http_reply> unadmitted_reply(store::registration outcome, const store::appliance_record& appliance,
                                               const store::poll_identity& who, bool known);
    // The v2 poll's exchange and the answer's roots and timestamp (poll_handler.cpp).
    struct trust_parts;
    result<store::poll_exchange> exchange(const store::appliance_record& appliance, const store::poll_identity& who,
                                          const proto::poll_request& request, std::int64_t now, trust_parts& parts);
    http_reply report(const http_request& request);
    http_reply payload(const http_request& request, std::string_view name);
    http_reply metrics_page();
    http_reply status_page();
    http_reply store_failure(std::string_view what, const error& e);

    store::store& store_;
    store::payload_dir payloads_;
    api_settings settings_;
    metrics& metrics_;
    const clock& clock_;
    mutable std::mutex trust_mutex_;
    // The registry's row count, from the store at most every few seconds and
    // counted up by each new row in between (a sweep shows at the next look).
    std::atomic<std::int64_t> registry_rows_{-1};
    std::atomic<std::int64_t> rows_counted_at_{0};
    std::atomic<std::int64_t> full_logged_at_{0};
};

}  // namespace uun::daemon
