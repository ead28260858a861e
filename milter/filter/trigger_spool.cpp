// Trigger naming and the atomic write (see header); lib's write_file_atomic
// does temp + fsync + rename + directory fsync.
#include "milter/filter/trigger_spool.hpp"

#include "lib/proto/trigger_name.hpp"
#include "lib/util/file_util.hpp"

namespace uun::filter {

std::string trigger_content(const trigger& t)
{
    return cat("seq=", t.seq, "\nchannel=", t.channel, "\nnonce=", t.nonce, "\nqueue_id=", t.queue_id,
               "\nreceived=", t.received, "\n", t.heads.empty() ? "" : cat("heads=", proto::format_channel_heads(t.heads), "\n"));
}

result<std::string> trigger_spool::write(const trigger& t) const
{
    std::string name = proto::trigger_name(t.seq, t.nonce);
    // The nonce and seq come from a header that verified, so this only fails
    // if the parser and this check disagree; refuse rather than write a name
    // the updater would ignore.
    if (proto::parse_trigger_name(name) != t.seq)
        return fail(cat("refusing to write a trigger with the unexpected name '", name, "'"));
    std::string path = cat(directory_, "/", name);
    if (auto ok = write_file_atomic(path, trigger_content(t), 0644); !ok)
        return std::unexpected(ok.error());
    return name;
}

}  // namespace uun::filter
