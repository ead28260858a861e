// The trigger spool: files uun-milter drops (uun-<seq>-<nonce>) to make the
// updater poll now. Names are checked, the heads= line of the content is read
// (bounded; the rest is for the operator), symlinks never
// followed; anything else is logged once and ignored. Called by the daemon
// loop and --once; I/O problems come back as results.
#pragma once

#include "lib/proto/channel_heads.hpp"
#include "lib/util/result.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace uun::updater {

inline constexpr std::size_t max_spool_triggers = 1024;  // per scan; the rest wait

// A trigger file's content is at most this long (the milter writes ~250 bytes).
inline constexpr std::size_t max_trigger_bytes = 4096;
struct trigger {
    std::string name;
    std::uint64_t seq = 0;
    // The UUN's h= as the milter wrote it (heads= line); empty for a v1 UUN
    // or a line that does not parse (logged).
    proto::channel_heads heads = {};

    friend bool operator==(const trigger&, const trigger&) = default;
};

// Names are read with proto::parse_trigger_name (lib/proto/trigger_name.hpp).

// The first heads= line of a trigger file's content (at most max_trigger_bytes
// of it): nothing when there is none, else what parse_channel_heads made of
// it. Pure: the spool reads the file, test/fuzz feeds it bytes.
std::optional<result<proto::channel_heads>> trigger_heads_line(std::string_view content);

class trigger_spool {
public:
    explicit trigger_spool(std::string dir);

    // Every valid trigger, by seq then name.
    result<std::vector<trigger>> scan();
    result<void> remove(const trigger& t);
    const std::string& dir() const { return dir_; }

private:
    proto::channel_heads read_heads(int dfd, std::string_view name);
    std::string dir_;
    std::set<std::string> reported_;  // ignored names already logged
    std::set<std::string> bad_heads_reported_;
};

// After a complete poll (more=false, nothing transient), which triggers are
// finished: seq <= last_seq, or asked about in that poll (present before it
// started) and not among the verified entries it answered with.
std::vector<trigger> finished_triggers(const std::vector<trigger>& present, const std::set<std::string>& asked_about,
                                       std::uint64_t last_seq, const std::set<std::uint64_t>& answered);

}  // namespace uun::updater
