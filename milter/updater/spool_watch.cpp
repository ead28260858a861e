// inotify watch of the spool (see header).
#include "milter/updater/spool_watch.hpp"

#include "lib/util/log.hpp"

#include <cerrno>
#include <cstring>

#include <sys/inotify.h>
#include <unistd.h>

namespace uun::updater {

result<spool_watch> spool_watch::open(const std::string& dir)
{
    unique_fd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd)
        return fail(cat("inotify: ", std::strerror(errno)));
    if (::inotify_add_watch(fd.get(), dir.c_str(),
                            IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR | IN_DELETE_SELF | IN_MOVE_SELF) < 0)
        return fail(cat("cannot watch the trigger spool ", dir, ": ", std::strerror(errno)));
    return spool_watch(std::move(fd), dir);
}

bool spool_watch::drain()
{
    bool changed = false;
    alignas(struct inotify_event) char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (char* p = buf; p < buf + n;) {
            auto* ev = reinterpret_cast<struct inotify_event*>(p);
            if (ev->mask & IN_Q_OVERFLOW)
                changed = true;
            else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
                log::error(cat("the trigger spool ", dir_, " was removed or moved; restart uun-updater once it is back"));
            else if (ev->len > 0 && ev->name[0] != '.')  // the milter's temp files start with '.'
                changed = true;
            p += sizeof(struct inotify_event) + ev->len;
        }
    }
    return changed;
}

}  // namespace uun::updater
