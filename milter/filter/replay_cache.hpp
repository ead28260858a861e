// The nonces of the UUNs already acted on, shared by every libmilter thread
// and kept in SQLite under state_dir so a restart does not forget them.
// Called by the session for valid UUNs only. A failure is a result the caller
// answers with a tempfail, so the sender retries and nothing is lost.
#pragma once

#include "lib/util/clock.hpp"
#include "lib/util/result.hpp"
#include "lib/util/sqlite.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace uun::filter {

enum class admission { fresh, replayed };

class replay_cache {
public:
    // Opens (or creates) the database file; max_entries bounds its size.
    static result<std::unique_ptr<replay_cache>> open(const std::string& path, std::uint64_t max_entries,
                                                      const clock& clock);
    replay_cache(const replay_cache&) = delete;
    replay_cache& operator=(const replay_cache&) = delete;

    // Atomically for all threads: drops entries whose keep_until has passed,
    // then, if nonce is new, runs deliver and records the nonce only when
    // deliver succeeded. A full cache or a database error is a failure and
    // deliver is not run.
    result<admission> admit(std::string_view nonce, std::int64_t keep_until,
                            const std::function<result<void>()>& deliver);

    std::uint64_t size() const;

private:
    replay_cache(sqlite_db db, std::uint64_t max_entries, const clock& clock);
    result<void> prepare();
    result<admission> admit_locked(std::string_view nonce, std::int64_t keep_until,
                                   const std::function<result<void>()>& deliver);

    sqlite_db db_;
    std::uint64_t max_entries_;
    std::uint64_t entries_ = 0;
    const clock& clock_;
    mutable std::mutex mutex_;
};

}  // namespace uun::filter
