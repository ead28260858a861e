// The daemon's wait: sleeps until the next poll is due, a trigger lands in
// the spool (inotify) or a stop signal comes, then lets updater_service act.
// Called by main.cpp (and by tests, one step at a time). Setup failures are
// results; once running it only logs.
#pragma once

#include "lib/util/clock.hpp"
#include "lib/util/result.hpp"
#include "milter/updater/spool_watch.hpp"
#include "milter/updater/updater_service.hpp"

#include <chrono>
#include <memory>

namespace uun::updater {

// SIGTERM and SIGINT set the stop flag, SIGHUP the reload flag; each wakes
// the loop through a pipe.
class stop_signal {
public:
    static result<void> install();
    static bool requested();
    static int wake_fd();  // readable once a stop or a reload was requested
    static void request();  // as if a signal came (tests)
    // True once after each SIGHUP (several in a row: once), and clears it.
    static bool take_reload();
    static bool reload_pending();
};

enum class loop_end { stop, reload };

class daemon_loop {
public:
    daemon_loop(updater_service& service, spool_watch& watch, const uun::clock& clock);

    // One turn: waits at most max_wait for something to do, then does it.
    void step(std::chrono::milliseconds max_wait);
    // Steps until a stop or a reload is requested; a poll under way
    // finishes first.
    loop_end run();

private:
    updater_service& service_;
    spool_watch& watch_;
    const uun::clock& clock_;
};

}  // namespace uun::updater
