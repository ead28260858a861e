// Trigger naming and the atomic write (see header); lib's write_file_atomic
// does temp + fsync + rename + directory fsync.
#include "milter/filter/trigger_spool.hpp"

#include "lib/util/file_util.hpp"

namespace uun::milter {

namespace {

constexpr std::size_t nonce_chars = 22;  // 16 bytes, base64url without padding

bool is_base64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

bool is_trigger_name(std::string_view name)
{
    if (!name.starts_with("uun-"))
        return false;
    name.remove_prefix(4);
    std::size_t digits = 0;
    while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9')
        ++digits;
    if (digits < 1 || digits > 20 || digits >= name.size() || name[digits] != '-')
        return false;
    std::string_view nonce = name.substr(digits + 1);
    if (nonce.size() != nonce_chars)
        return false;
    for (char c : nonce)
        if (!is_base64url_char(c))
            return false;
    return true;
}

std::string trigger_name(std::uint64_t seq, std::string_view nonce)
{
    return cat("uun-", seq, "-", nonce);
}

std::string trigger_content(const trigger& t)
{
    return cat("seq=", t.seq, "\nchannel=", t.channel, "\nnonce=", t.nonce, "\nqueue_id=", t.queue_id,
               "\nreceived=", t.received, "\n");
}

result<std::string> trigger_spool::write(const trigger& t) const
{
    std::string name = trigger_name(t.seq, t.nonce);
    // The nonce and seq come from a header that verified, so this only fails
    // if the parser and this check disagree; refuse rather than write a name
    // the updater would ignore.
    if (!is_trigger_name(name))
        return fail(cat("refusing to write a trigger with the unexpected name '", name, "'"));
    std::string path = cat(directory_, "/", name);
    if (auto ok = write_file_atomic(path, trigger_content(t), 0644); !ok)
        return std::unexpected(ok.error());
    return name;
}

}  // namespace uun::milter
