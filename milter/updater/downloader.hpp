// Fetches an entry's payload (GET /v1/payloads/<sha256>) into
// state_dir/partial/<sha256>, resuming an interrupted download with Range,
// and checks its size and sha256 against the signed entry. Called by the
// poll cycle. The outcome says whether to try again later (transient) or that
// the server's bytes are not the signed ones (mismatch: reported, and tried
// again later too, since the entry itself is authentic and must not be lost).
#pragma once

#include "lib/proto/update_entry.hpp"
#include "milter/updater/transport.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace uun::updater {

enum class download_status { complete, transient, mismatch };

struct download_outcome {
    download_status status = download_status::transient;
    std::string path;    // complete: the verified file
    std::string detail;  // otherwise: why, for the log and the report
    std::optional<std::chrono::seconds> retry_after;
};

download_outcome download_payload(http_transport& transport, const std::string& partial_dir,
                                  const proto::update_entry& entry, std::int64_t now);

}  // namespace uun::updater
