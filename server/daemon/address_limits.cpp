// The per-address table (see header). One mutex: every operation is a hash
// lookup and a few list splices, far cheaper than the TLS handshake it guards.
#include "server/daemon/address_limits.hpp"

#include "server/daemon/client_address.hpp"

#include <cmath>
#include <cstring>

namespace uun::daemon {

namespace ip = boost::asio::ip;

namespace {

constexpr double seconds_per_hour = 3600.0;

}  // namespace

address_key key_of(const ip::address& address)
{
    address_key k;
    ip::address a = unmap_address(address);
    if (a.is_v4()) {
        k.bytes[0] = 4;
        auto b = a.to_v4().to_bytes();
        std::memcpy(&k.bytes[1], b.data(), b.size());
    } else {
        k.bytes[0] = 6;
        auto b = a.to_v6().to_bytes();
        std::memcpy(&k.bytes[1], b.data(), 8);  // the /64
    }
    return k;
}

std::size_t address_key_hash::operator()(const address_key& k) const noexcept
{
    std::size_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : k.bytes)
        h = (h ^ c) * 1099511628211ull;
    return h;
}

void address_table::evict_if_full()
{
    while (entries_.size() >= settings_.max_tracked && !idle_.empty()) {
        entries_.erase(idle_.back());
        idle_.pop_back();
    }
}

address_table::entry& address_table::find_or_add(const address_key& key, clock_type::time_point now)
{
    auto it = entries_.find(key);
    if (it != entries_.end())
        return it->second;
    evict_if_full();
    entry& e = entries_[key];
    e.tokens = static_cast<double>(settings_.new_registrations);  // a new address starts with a full bucket
    e.refilled = now;
    idle_.push_front(key);
    e.lru = idle_.begin();
    e.in_lru = true;
    return e;
}

// In use: out of the idle list, so it cannot be evicted.
void address_table::touch(const address_key&, entry& e)
{
    if (e.in_lru) {
        idle_.erase(e.lru);
        e.in_lru = false;
    }
}

// Back to the idle list (at its front) once nothing is open.
void address_table::settle(const address_key& key, entry& e)
{
    if (e.connections > 0 || e.handshakes > 0)
        return;
    if (e.in_lru)
        idle_.erase(e.lru);
    idle_.push_front(key);
    e.lru = idle_.begin();
    e.in_lru = true;
}

admission address_table::admit(const ip::address& address, clock_type::time_point now)
{
    auto key = key_of(address);
    std::lock_guard lock(mutex_);
    entry& e = find_or_add(key, now);
    admission verdict = admission::admitted;
    if (settings_.max_connections > 0 && e.connections >= settings_.max_connections)
        verdict = admission::too_many_connections;
    else if (settings_.max_handshakes > 0 && e.handshakes >= settings_.max_handshakes)
        verdict = admission::too_many_handshakes;
    if (verdict != admission::admitted) {
        settle(key, e);  // refreshes its place: an address that keeps trying stays known
        return verdict;
    }
    ++e.connections;
    ++e.handshakes;
    touch(key, e);
    return verdict;
}

void address_table::handshake_done(const ip::address& address)
{
    auto key = key_of(address);
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.handshakes > 0)
        --it->second.handshakes;
}

void address_table::release(const ip::address& address, bool in_handshake)
{
    auto key = key_of(address);
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end())
        return;
    entry& e = it->second;
    if (in_handshake && e.handshakes > 0)
        --e.handshakes;
    if (e.connections > 0)
        --e.connections;
    settle(key, e);
}

std::int64_t address_table::take_registration(const ip::address& address, clock_type::time_point now)
{
    auto key = key_of(address);
    std::lock_guard lock(mutex_);
    entry& e = find_or_add(key, now);
    double rate = static_cast<double>(settings_.new_registrations) / seconds_per_hour;  // tokens per second
    double elapsed = std::chrono::duration<double>(now - e.refilled).count();
    if (elapsed > 0) {
        e.tokens = std::min(static_cast<double>(settings_.new_registrations), e.tokens + elapsed * rate);
        e.refilled = now;
    }
    if (e.connections == 0 && e.handshakes == 0)
        settle(key, e);
    if (e.tokens >= 1.0) {
        e.tokens -= 1.0;
        return 0;
    }
    if (rate <= 0)
        return static_cast<std::int64_t>(seconds_per_hour);
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - e.tokens) / rate)));
}

std::size_t address_table::tracked() const
{
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::int64_t address_table::connections(const ip::address& address) const
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key_of(address));
    return it == entries_.end() ? 0 : it->second.connections;
}

std::int64_t address_table::handshakes(const ip::address& address) const
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key_of(address));
    return it == entries_.end() ? 0 : it->second.handshakes;
}

}  // namespace uun::daemon
