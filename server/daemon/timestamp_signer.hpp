// Timestamp statements for v2 poll answers (lib/proto/timestamp_statement.hpp),
// signed with uun-server's timestamp key. Every poll wants one, and the log
// changes rarely: the signed envelope is kept and signed anew only when the
// heads move or a quarter of its lifetime has passed. Thread-safe; never fails.
#pragma once

#include "lib/proto/ed25519.hpp"
#include "server/store/store.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace uun::daemon {

class timestamp_signer {
public:
    timestamp_signer(proto::private_key key, std::chrono::seconds lifetime);

    struct statement {
        std::string envelope;  // JSON text
        bool signed_now = false;
    };
    // For these heads at `now`: issued now, expires now + lifetime.
    statement statement_for(const store::log_heads& heads, std::int64_t now);

private:
    proto::private_key key_;
    std::int64_t lifetime_;
    std::mutex mutex_;
    std::optional<store::log_heads> heads_;  // what envelope_ says
    std::int64_t issued_ = 0;
    std::string envelope_;
};

}  // namespace uun::daemon
