// Trigger spool scanning and removal (see header). Names are attacker-shaped
// only as far as the milter lets them be; we still treat them as hostile.
#include "milter/updater/trigger_spool.hpp"

#include "lib/proto/trigger_name.hpp"
#include "lib/util/log.hpp"
#include "lib/util/unique_fd.hpp"
#include "milter/updater/log_text.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uun::updater {

namespace {

constexpr std::size_t max_reported_names = 4096;  // memory bound on the log-once set

}  // namespace

trigger_spool::trigger_spool(std::string dir) : dir_(std::move(dir)) {}

// The heads= line of a trigger file; no heads when there is none, and when
// it does not parse (a warning: the milter wrote something this updater
// does not understand, or someone else wrote the file).
proto::channel_heads trigger_spool::read_heads(int dfd, std::string_view name)
{
    unique_fd fd(::openat(dfd, std::string(name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd)
        return {};
    char buf[max_trigger_bytes];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0)
        return {};
    auto heads = trigger_heads_line(std::string_view(buf, static_cast<std::size_t>(n)));
    if (!heads)
        return {};
    if (*heads)
        return std::move(**heads);
    if (bad_heads_reported_.size() < max_reported_names && bad_heads_reported_.emplace(name).second)
        log::warning(cat("trigger ", printable(name, 80), ": its heads line is ignored: ", heads->error().message));
    return {};
}

std::optional<result<proto::channel_heads>> trigger_heads_line(std::string_view content)
{
    std::string_view text = content.substr(0, max_trigger_bytes);
    for (std::size_t at = 0; at < text.size();) {
        auto end = text.find('\n', at);
        std::string_view line = text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
        if (line.starts_with("heads="))
            return proto::parse_channel_heads(line.substr(6));
        if (end == std::string_view::npos)
            break;
        at = end + 1;
    }
    return std::nullopt;
}

result<std::vector<trigger>> trigger_spool::scan()
{
    struct dir_closer {
        void operator()(DIR* d) const { ::closedir(d); }
    };
    std::unique_ptr<DIR, dir_closer> d(::opendir(dir_.c_str()));
    if (!d)
        return fail(cat("trigger spool ", dir_, ": cannot open: ", std::strerror(errno)));
    int dfd = ::dirfd(d.get());
    std::vector<trigger> out;
    bool over_limit = false;
    std::set<std::string> seen_ignored;
    int read_errno = 0;
    for (;;) {
        errno = 0;
        struct dirent* e = ::readdir(d.get());
        if (e == nullptr) {
            read_errno = errno;
            break;
        }
        std::string_view name = e->d_name;
        if (name.starts_with('.'))
            continue;  // ".", ".." and the milter's temp files
        auto ignore = [&](std::string_view why) {
            std::string key(name);
            seen_ignored.insert(key);
            if (reported_.size() < max_reported_names && reported_.insert(key).second)
                log::warning(cat("trigger spool ", dir_, ": ignoring '", printable(name, 80), "': ", why));
        };
        auto seq = proto::parse_trigger_name(name);
        if (!seq) {
            ignore("not a trigger name (uun-<seq>-<22-character nonce>)");
            continue;
        }
        struct stat st {};
        if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT)
                ignore(cat("cannot stat: ", std::strerror(errno)));
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            ignore(S_ISLNK(st.st_mode) ? "a symlink, not followed" : "not a regular file");
            continue;
        }
        if (out.size() >= max_spool_triggers) {
            over_limit = true;
            continue;
        }
        out.push_back(trigger{std::string(name), *seq, read_heads(dfd, name)});
    }
    if (read_errno != 0)
        return fail(cat("trigger spool ", dir_, ": cannot read: ", std::strerror(read_errno)));
    // Forget names that went away, so a later file of the same name is logged again.
    std::erase_if(reported_, [&](const std::string& n) { return !seen_ignored.contains(n); });
    if (over_limit)
        log::warning(cat("trigger spool ", dir_, ": more than ", max_spool_triggers,
                         " triggers; the rest are taken after these are done"));
    std::sort(out.begin(), out.end(),
              [](const trigger& a, const trigger& b) { return a.seq != b.seq ? a.seq < b.seq : a.name < b.name; });
    return out;
}

result<void> trigger_spool::remove(const trigger& t)
{
    if (!proto::parse_trigger_name(t.name))
        std::abort();  // only names scan() accepted ever get here
    std::string path = cat(dir_, "/", t.name);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return fail(cat("cannot remove trigger ", path, ": ", std::strerror(errno)));
    return {};
}

std::vector<trigger> finished_triggers(const std::vector<trigger>& present, const std::set<std::string>& asked_about,
                                       std::uint64_t last_seq, const std::set<std::uint64_t>& answered)
{
    std::vector<trigger> out;
    for (const auto& t : present)
        if (t.seq <= last_seq || (asked_about.contains(t.name) && !answered.contains(t.seq)))
            out.push_back(t);
    return out;
}

}  // namespace uun::updater
