// Counters and gauges uun-server exposes on /metrics (Prometheus text format
// 0.0.4). Written lock-free from every worker; read by the /metrics handler,
// which adds the store's figures (registry size, log head). Never fails.
#pragma once

#include "lib/proto/poll_messages.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace uun::daemon {

enum class route { poll, payload, report, metrics, status, healthz, other };
inline constexpr std::size_t route_count = 7;

enum class overload_reason { connections, inflight };

// Fair-share refusals (issue 14): one address over its share, or the registry full.
enum class refusal { per_address_connections, per_address_handshakes, new_registrations, max_appliances };
inline constexpr std::size_t refusal_count = 4;
std::string_view to_string(refusal r);

std::string_view to_string(route r);

// Statuses the server answers with; anything else is counted as "other".
inline constexpr std::array<unsigned, 14> counted_statuses = {200, 206, 400, 403, 404, 405, 408,
                                                              413, 416, 429, 431, 500, 503, 0};

struct request_count {
    route where = route::other;
    unsigned status = 0;  // 0: other
    std::uint64_t count = 0;
};

struct metrics_snapshot {
    std::vector<request_count> requests;  // non-zero rows only
    std::uint64_t overload_connections = 0;
    std::uint64_t overload_inflight = 0;
    std::uint64_t tls_handshake_failures = 0;
    std::array<std::uint64_t, refusal_count> refusals{};
    std::uint64_t polls_periodic = 0;
    std::uint64_t polls_urgent = 0;
    std::uint64_t appliances_new = 0;
    std::uint64_t appliances_moved = 0;
    std::uint64_t token_mismatches = 0;
    std::uint64_t timestamps_signed = 0;
    std::uint64_t root_version = 0;  // newest root served; 0: the v1 trust model
    std::int64_t open_connections = 0;
    std::int64_t inflight_requests = 0;
    std::uint64_t registry_appliances = 0;
    std::uint64_t log_head_seq = 0;
    bool store_ok = true;  // false: the two store gauges are missing
};

class metrics {
public:
    void count_request(route where, unsigned status);
    void count_overload(overload_reason why);
    void count_refusal(refusal why)
    {
        refusals_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
    }
    void count_handshake_failure() { handshake_failures_.fetch_add(1, std::memory_order_relaxed); }
    void count_poll(proto::poll_reason reason);
    void count_new_appliance() { appliances_new_.fetch_add(1, std::memory_order_relaxed); }
    void count_moved_appliance() { appliances_moved_.fetch_add(1, std::memory_order_relaxed); }
    void count_token_mismatch() { token_mismatches_.fetch_add(1, std::memory_order_relaxed); }
    void count_timestamp_signed() { timestamps_signed_.fetch_add(1, std::memory_order_relaxed); }
    void set_root_version(std::uint64_t v) { root_version_.store(v, std::memory_order_relaxed); }

    // Connections and requests in progress; the server's load limits read these.
    std::atomic<std::int64_t>& open_connections() { return open_connections_; }
    std::atomic<std::int64_t>& inflight_requests() { return inflight_requests_; }

    // Everything but the store's figures.
    metrics_snapshot snapshot() const;

private:
    using counter = std::atomic<std::uint64_t>;
    std::array<std::array<counter, counted_statuses.size()>, route_count> requests_{};
    counter overload_connections_{0};
    counter overload_inflight_{0};
    counter handshake_failures_{0};
    std::array<counter, refusal_count> refusals_{};
    counter polls_periodic_{0};
    counter polls_urgent_{0};
    counter appliances_new_{0};
    counter appliances_moved_{0};
    counter token_mismatches_{0};
    counter timestamps_signed_{0};
    counter root_version_{0};
    std::atomic<std::int64_t> open_connections_{0};
    std::atomic<std::int64_t> inflight_requests_{0};
};

std::string format_metrics(const metrics_snapshot& s);

}  // namespace uun::daemon
