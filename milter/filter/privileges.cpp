// Privilege drop (see header), the way Postfix and OpenSMTPD do it: the
// supplementary groups first, then the group, then the user, then a check.
#include "milter/filter/privileges.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace uun::filter {

namespace {

constexpr std::size_t name_buffer_bytes = 16384;
constexpr int max_groups = 256;

}  // namespace

result<gid_t> resolve_group(const std::string& name)
{
    struct group entry {};
    struct group* found = nullptr;
    std::vector<char> buffer(name_buffer_bytes);
    int rc = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc != 0)
        return fail(cat("cannot look up group '", name, "': ", std::strerror(rc)));
    if (found == nullptr)
        return fail(cat("group '", name, "' does not exist"));
    return entry.gr_gid;
}

result<identity> resolve_identity(const std::string& user, const std::string& group)
{
    struct passwd entry {};
    struct passwd* found = nullptr;
    std::vector<char> buffer(name_buffer_bytes);
    int rc = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc != 0)
        return fail(cat("cannot look up user '", user, "': ", std::strerror(rc)));
    if (found == nullptr)
        return fail(cat("user '", user, "' does not exist; create it or set 'user' in the config"));
    if (entry.pw_uid == 0)
        return fail(cat("user '", user, "' is root; uun-milter reads hostile mail and must run unprivileged"));
    identity who{.user = user, .uid = entry.pw_uid, .gid = entry.pw_gid, .switch_needed = true};
    if (!group.empty()) {
        auto gid = resolve_group(group);
        if (!gid)
            return std::unexpected(gid.error());
        who.gid = *gid;
    }
    if (::geteuid() != 0) {
        if (::geteuid() != who.uid)
            return fail(cat("started as uid ", ::geteuid(), ", which cannot become user '", user,
                            "'; start as root or as that user"));
        who.switch_needed = false;
    }
    return who;
}

result<void> drop_privileges(const identity& who)
{
    if (!who.switch_needed)
        return {};
    std::vector<gid_t> groups(max_groups);
    int count = max_groups;
    if (::getgrouplist(who.user.c_str(), who.gid, groups.data(), &count) < 0)
        return fail(cat("user '", who.user, "' is in more than ", max_groups, " groups"));
    if (::setgroups(static_cast<std::size_t>(count), groups.data()) != 0)
        return fail(cat("setgroups for '", who.user, "' failed: ", std::strerror(errno)));
    if (::setgid(who.gid) != 0)
        return fail(cat("setgid(", who.gid, ") failed: ", std::strerror(errno)));
    if (::setuid(who.uid) != 0)
        return fail(cat("setuid(", who.uid, ") failed: ", std::strerror(errno)));
    if (::setuid(0) == 0 || ::geteuid() != who.uid || ::getegid() != who.gid)
        return fail("privileges were not dropped for good");
    return {};
}

}  // namespace uun::filter
