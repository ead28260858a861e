// Trigger files for uun-updater: one file per valid UUN, named
// uun-<seq>-<nonce>, written atomically (temp name starting with '.', fsync,
// rename, fsync of the directory) into the updater's spool directory.
// Called by the session; a failed write is a result the caller answers with
// a tempfail, so the sender retries.
#pragma once

#include "lib/proto/channel_heads.hpp"
#include "lib/util/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace uun::filter {

struct trigger {
    std::uint64_t seq = 0;
    std::string channel;
    std::string nonce;     // base64url, 22 characters
    std::string queue_id;  // the MTA's, already made safe for a text line
    std::int64_t received = 0;
    proto::channel_heads heads = {};  // the UUN's h=, for the updater (empty: a v1 UUN)
};

// The file's name is proto::trigger_name(seq, nonce) (lib/proto/trigger_name.hpp).
std::string trigger_content(const trigger& t);

class trigger_spool {
public:
    explicit trigger_spool(std::string directory) : directory_(std::move(directory)) {}

    // Returns the file name written.
    result<std::string> write(const trigger& t) const;
    const std::string& directory() const { return directory_; }

private:
    std::string directory_;
};

}  // namespace uun::filter
