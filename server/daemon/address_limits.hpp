// Fair share between client addresses (issue 14): per address, the open
// connections, the TLS handshakes in progress and a token bucket of new
// registrations. Callers: the listener (admit at accept), the session
// (release), the poll handler (new rows). Never fails: a full table evicts.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_map>

namespace uun::daemon {

// IPv4 (and IPv4-mapped IPv6) by address; IPv6 by its /64, which one host
// usually holds whole.
struct address_key {
    std::array<unsigned char, 9> bytes{};  // [0]: 4 or 6; IPv4: 4 bytes, IPv6: the first 8
    friend bool operator==(const address_key&, const address_key&) = default;
};
address_key key_of(const boost::asio::ip::address& address);

struct address_key_hash {
    std::size_t operator()(const address_key& k) const noexcept;
};

// How many idle addresses the table remembers (server.yaml says so at limits.per_address).
inline constexpr std::size_t max_tracked_addresses = 65536;

struct address_limit_settings {
    std::int64_t max_connections = 32;  // 0: no limit
    std::int64_t max_handshakes = 8;  // 0: no limit
    std::int64_t new_registrations = 60;  // per hour; 0: none allowed
    std::size_t max_tracked = max_tracked_addresses;  // idle addresses remembered, least recently seen out first
};

enum class admission { admitted, too_many_connections, too_many_handshakes };

class address_table {
public:
    using clock_type = std::chrono::steady_clock;
    explicit address_table(address_limit_settings settings)
        : settings_(settings)
    {
    }

    // A new connection from `address` in its TLS handshake: counted, or refused.
    admission admit(const boost::asio::ip::address& address, clock_type::time_point now);
    void handshake_done(const boost::asio::ip::address& address);
    // The connection has gone; `in_handshake`: it never finished its handshake.
    void release(const boost::asio::ip::address& address, bool in_handshake);

    // One token of the address's bucket for a new registry row; 0: taken, else
    // the seconds until the next token (the Retry-After).
    std::int64_t take_registration(const boost::asio::ip::address& address, clock_type::time_point now);

    // For the tests and the status of the table.
    std::size_t tracked() const;
    std::int64_t connections(const boost::asio::ip::address& address) const;
    std::int64_t handshakes(const boost::asio::ip::address& address) const;

private:
    struct entry {
        std::int64_t connections = 0;
        std::int64_t handshakes = 0;
        double tokens = 0;
        clock_type::time_point refilled{};
        std::list<address_key>::iterator lru;  // valid while idle (no connection open)
        bool in_lru = false;
    };
    entry& find_or_add(const address_key& key, clock_type::time_point now);
    void touch(const address_key& key, entry& e);
    void settle(const address_key& key, entry& e);
    void evict_if_full();

    const address_limit_settings settings_;
    mutable std::mutex mutex_;
    std::unordered_map<address_key, entry, address_key_hash> entries_;
    // Entries with no connection open, most recently used at the front. Those
    // with open connections are never evicted (their count is bounded by
    // limits.max_connections), so the table holds at most max_tracked idle
    // addresses plus the ones connected now.
    std::list<address_key> idle_;
};

}  // namespace uun::daemon
