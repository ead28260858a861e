// syslog or stderr sink (see header). The ident string must outlive openlog,
// so it is kept in a static.
#include "lib/util/log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <syslog.h>

namespace uun::log {

namespace {

std::string ident_ = "uun";
sink sink_ = sink::stderr_stream;
std::atomic<bool> debug_{false};
std::mutex stderr_mutex_;

int syslog_priority(level lvl)
{
    switch (lvl) {
    case level::debug:
        return LOG_DEBUG;
    case level::info:
        return LOG_INFO;
    case level::warning:
        return LOG_WARNING;
    case level::error:
        return LOG_ERR;
    }
    return LOG_INFO;
}

const char* label(level lvl)
{
    switch (lvl) {
    case level::debug:
        return "debug: ";
    case level::info:
        return "";
    case level::warning:
        return "warning: ";
    case level::error:
        return "error: ";
    }
    return "";
}

}  // namespace

void open(std::string_view ident, sink where, bool debug)
{
    ident_ = std::string(ident);
    sink_ = where;
    debug_ = debug;
    if (where == sink::syslog)
        ::openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void set_debug(bool debug)
{
    debug_ = debug;
}

void write(level lvl, std::string_view message)
{
    if (lvl == level::debug && !debug_)
        return;
    if (sink_ == sink::syslog) {
        ::syslog(syslog_priority(lvl), "%s%.*s", label(lvl), static_cast<int>(message.size()), message.data());
        return;
    }
    std::time_t now = std::time(nullptr);
    struct tm tm {};
    ::localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    std::lock_guard lock(stderr_mutex_);
    std::fprintf(stderr, "%s %s: %s%.*s\n", stamp, ident_.c_str(), label(lvl), static_cast<int>(message.size()),
                 message.data());
    std::fflush(stderr);
}

}  // namespace uun::log
