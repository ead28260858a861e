// Atomic install with journal and rollback (see header).
#include "milter/updater/installer.hpp"

#include "lib/util/digest.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/log.hpp"
#include "lib/util/random.hpp"
#include "lib/util/unique_fd.hpp"
#include "milter/updater/hook_runner.hpp"
#include "milter/updater/log_text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uun::updater {

namespace {

constexpr std::size_t max_detail = 512;  // doc/protocol.md: report detail

// Hook output without the line end and white space it usually ends in, so a
// log line or report does not end in a stray space.
std::string_view without_trailing_space(std::string_view text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

std::string base_name(const std::string& path)
{
    return path.substr(path.find_last_of('/') + 1);
}

// Copies src into a new temp file beside target with target's mode and owner; returns its path.
result<std::string> copy_beside(const std::string& src, const std::string& target, const std::string& sha256,
                                const struct stat* previous)
{
    std::string tmp = cat(parent_directory(target), "/.", base_name(target), ".uun-new-",
                          to_hex(random_bytes(6)));
    unique_fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!in)
        return fail(cat(src, ": cannot open: ", std::strerror(errno)));
    unique_fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!out)
        return fail(cat(tmp, ": cannot create: ", std::strerror(errno)));
    auto give_up = [&](std::string why) -> result<std::string> {
        out.reset();
        ::unlink(tmp.c_str());
        return fail(std::move(why));
    };
    sha256_stream digest;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return give_up(cat(src, ": read error: ", std::strerror(errno)));
        if (n == 0)
            break;
        digest.update(std::string_view(buf, static_cast<std::size_t>(n)));
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(out.get(), buf + done, static_cast<std::size_t>(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return give_up(cat(tmp, ": write error: ", std::strerror(errno)));
            done += w;
        }
    }
    if (digest.hex_digest() != sha256)
        return give_up(cat(src, ": changed after it was verified; not installed"));
    mode_t mode = previous ? (previous->st_mode & 07777) : 0644;
    if (::fchmod(out.get(), mode) != 0)
        return give_up(cat(tmp, ": chmod failed: ", std::strerror(errno)));
    if (previous && (previous->st_uid != ::geteuid() || previous->st_gid != ::getegid()) &&
        ::fchown(out.get(), previous->st_uid, previous->st_gid) != 0)
        log::warning(cat(target, ": cannot give the new file the owner of the old one: ", std::strerror(errno)));
    if (::fsync(out.get()) != 0)
        return give_up(cat(tmp, ": fsync failed: ", std::strerror(errno)));
    in.reset();
    if (out.close() != 0) {
        ::unlink(tmp.c_str());
        return fail(cat(tmp, ": close failed: ", std::strerror(errno)));
    }
    return tmp;
}

// Puts the previous file back (or removes the new one when there was none).
result<void> restore_previous(const pending_install& p)
{
    std::string prev = previous_file_of(p.file);
    if (p.had_previous) {
        // A missing previous file means an earlier restore already put it back.
        if (::rename(prev.c_str(), p.file.c_str()) != 0 && errno != ENOENT)
            return fail(cat("cannot put ", prev, " back as ", p.file, ": ", std::strerror(errno)));
    } else if (::unlink(p.file.c_str()) != 0 && errno != ENOENT) {
        return fail(cat("cannot remove ", p.file, ": ", std::strerror(errno)));
    }
    return sync_parent_directory(p.file);
}

}  // namespace

install_outcome installer::install(const channel_config& channel, const std::string& payload,
                                   const std::string& sha256, std::uint64_t seq, updater_state& state,
                                   std::uint64_t channel_seq) const
{
    const std::string& file = channel.file;
    struct stat previous {};
    bool had_previous = false;
    if (::lstat(file.c_str(), &previous) == 0) {
        if (!S_ISREG(previous.st_mode))
            return {install_status::local_error, cat(file, " is not a regular file; not replacing it")};
        had_previous = true;
    } else if (errno != ENOENT) {
        return {install_status::local_error, cat(file, ": cannot stat: ", std::strerror(errno))};
    }

    auto tmp = copy_beside(payload, file, sha256, had_previous ? &previous : nullptr);
    if (!tmp)
        return {install_status::local_error, tmp.error().message};
    std::string prev = previous_file_of(file);
    if (had_previous) {
        if ((::unlink(prev.c_str()) != 0 && errno != ENOENT) || ::link(file.c_str(), prev.c_str()) != 0) {
            std::string why = cat("cannot keep the previous file as ", prev, ": ", std::strerror(errno));
            ::unlink(tmp->c_str());
            return {install_status::local_error, why};
        }
    }

    pending_install journal{seq, channel.name, file, had_previous};
    state.pending = journal;
    if (auto saved = store_.save(state); !saved) {
        state.pending.reset();
        ::unlink(tmp->c_str());
        return {install_status::local_error, saved.error().message};
    }
    if (::rename(tmp->c_str(), file.c_str()) != 0) {
        std::string why = cat("cannot rename the new file over ", file, ": ", std::strerror(errno));
        ::unlink(tmp->c_str());
        state.pending.reset();
        if (auto saved = store_.save(state); !saved)
            log::error(saved.error().message);  // repair() at the next start undoes nothing harmful
        return {install_status::local_error, why};
    }
    if (auto synced = sync_parent_directory(file); !synced)
        log::warning(synced.error().message);

    install_outcome out{install_status::installed, ""};
    if (!channel.hook.empty()) {
        environment env{{"UUN_SEQ", std::to_string(seq)}, {"UUN_FILE", file}, {"UUN_CHANNEL", channel.name}};
        auto hook = run_hook(channel.hook, env, channel.hook_timeout);
        std::string_view said = without_trailing_space(hook.output);
        if (!hook.ok()) {
            out.status = install_status::hook_failed;
            std::string output = printable(said, max_detail);
            out.detail = printable(cat("hook ", channel.hook.front(), " ", hook.why,
                                       output.empty() ? "" : ": ", output),
                                   max_detail);
            if (auto restored = restore_previous(journal); !restored) {
                // Leave the journal: repair() retries the restore at the next start.
                out.status = install_status::local_error;
                out.detail = cat(out.detail, "; and ", restored.error().message);
                return out;
            }
        } else if (!said.empty()) {
            log::info(cat("channel ", channel.name, ": hook said: ", printable(said, max_detail)));
        }
    }
    // A failed hook leaves last_seq alone: the poll cycle decides whether the
    // entry is tried again (state.retry) or given up.
    if (out.status == install_status::installed) {
        // max: in root mode channels interleave, and last_seq is the highest finished.
        state.last_seq = std::max(state.last_seq, seq);
        if (channel_seq > 0)
            state.positions[channel.name] = channel_seq;
        state.retry.reset();
    }
    state.pending.reset();
    if (auto saved = store_.save(state); !saved)
        return {install_status::local_error, cat(saved.error().message, " (after installing seq ", seq, ")")};
    return out;
}

result<void> installer::repair(updater_state& state) const
{
    if (!state.pending)
        return {};
    const auto& p = *state.pending;
    log::warning(cat("the install of seq ", p.seq, " into ", p.file,
                     " did not finish (the updater stopped during it); putting the previous file back"));
    if (auto restored = restore_previous(p); !restored)
        return restored;
    state.pending.reset();
    return store_.save(state);
}

}  // namespace uun::updater
