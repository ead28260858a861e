// inotify on the trigger spool (IN_MOVED_TO, IN_CLOSE_WRITE), so a trigger
// wakes the daemon at once. Called by the daemon loop; it only says "look
// again" - trigger_spool decides what is a trigger. Setup failures are results.
#pragma once

#include "lib/util/result.hpp"
#include "lib/util/unique_fd.hpp"

#include <string>
#include <utility>

namespace uun::updater {

class spool_watch {
public:
    static result<spool_watch> open(const std::string& dir);
    spool_watch(spool_watch&& other) noexcept = default;
    spool_watch& operator=(spool_watch&&) = delete;

    int fd() const { return fd_.get(); }
    // Reads every queued event; true when the spool may hold something new.
    bool drain();

private:
    spool_watch(unique_fd fd, std::string dir) : fd_(std::move(fd)), dir_(std::move(dir)) {}
    unique_fd fd_;
    std::string dir_;
};

}  // namespace uun::updater
