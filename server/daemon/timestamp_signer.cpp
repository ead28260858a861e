// Signing and caching timestamp statements (see header).
#include "server/daemon/timestamp_signer.hpp"

#include "lib/proto/timestamp_statement.hpp"

namespace uun::daemon {

timestamp_signer::timestamp_signer(proto::private_key key, std::chrono::seconds lifetime)
    : key_(std::move(key)), lifetime_(lifetime.count())
{
}

timestamp_signer::statement timestamp_signer::statement_for(const store::log_heads& heads, std::int64_t now)
{
    std::lock_guard lock(mutex_);
    // A clock that went back makes the cached one look issued in the future.
    bool fresh = heads_ && *heads_ == heads && now >= issued_ && now - issued_ < lifetime_ / 4;
    if (fresh)
        return {envelope_, false};
    proto::timestamp_statement s;
    s.issued = now;
    s.expires = now + lifetime_;
    s.log_head = heads.log_head;
    s.heads = heads.channels;
    envelope_ = proto::sign_timestamp(s, key_).dump();
    heads_ = heads;
    issued_ = now;
    return {envelope_, true};
}

}  // namespace uun::daemon
