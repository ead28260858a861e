// How a uun daemon says it has started, one protocol for uun-milter,
// uun-updater and uun-server. Under systemd (Type=notify, the daemon run in
// the foreground with -f) readiness, a failure's reason and the stop go to
// the service manager through sd_notify(3); without a service manager those
// calls do nothing. Without systemd a daemon may detach instead: the parent
// waits on a pipe until the child reports ready or why it failed, and exits
// 0 or 1 with that, so an init script or a shell sees start-up errors.
// A daemon started by systemd (NOTIFY_SOCKET set) stays in the foreground
// but keeps its configured log; -f means foreground with the log on stderr.
// Callers: the three daemons' mains, once they listen (or watch) and have
// dropped privileges.
#pragma once

#include "lib/util/result.hpp"
#include "lib/util/unique_fd.hpp"

#include <string>
#include <string_view>

namespace uun {

class startup_report {
public:
    startup_report() = default;  // in the foreground: only a service manager listens

    // Forks. The parent never returns: it exits 0 when the child reports
    // ready and 1 otherwise, printing "<program>: <reason>". The child, in a
    // new session with its cwd at /, gets the report to send. Call it before
    // any thread starts and before a database is opened.
    static result<startup_report> detach(std::string_view program);

    // True when systemd (or another manager speaking its protocol) started
    // the daemon and waits for READY=1: then it must not detach.
    static bool under_service_manager();

    bool detached() const { return detached_; }
    // Detached and not yet ready or failed: the parent still waits.
    bool parent_waiting() const { return static_cast<bool>(pipe_); }

    // READY=1 to the service manager; a detached parent exits 0. stdin and
    // stdout become /dev/null, and stderr too unless keep_stderr (the log
    // goes there).
    void ready(bool keep_stderr);
    // STATUS=<reason> to the service manager; a detached parent prints the
    // reason and exits 1.
    void failed(std::string_view reason);

    // STOPPING=1: the daemon has begun to shut down.
    static void stopping();
    // RELOADING=1, then READY=1 with a STATUS= line once the reload is over
    // (whether the new config was taken or the old one kept).
    static void reloading();
    static void reloaded(std::string_view status);

private:
    explicit startup_report(unique_fd pipe) : pipe_(std::move(pipe)), detached_(true) {}
    void send(std::string_view text);
    unique_fd pipe_;  // to the waiting parent, until ready() or failed()
    bool detached_ = false;
};

// The daemon's pid, for init scripts and Type=forking units.
result<void> write_pid_file(const std::string& path);

}  // namespace uun
