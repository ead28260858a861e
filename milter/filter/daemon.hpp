// Running in the background: fork with a readiness pipe, so the command that
// started uun-milter exits 0 only once the milter listens and has dropped
// privileges, and otherwise prints why it failed; plus the pid file.
// Called by run_milter when not started with -f.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "lib/util/result.hpp"
#include "lib/util/unique_fd.hpp"

namespace uun::milter {

class startup_report {
public:
    startup_report() = default;  // foreground: nobody waits

    // Forks. The parent never returns: it exits 0 when the child reports
    // ready and 1 (printing the child's reason) otherwise. The child detaches
    // from the terminal and returns the report to send.
    static result<startup_report> daemonize();

    bool waited_on() const { return static_cast<bool>(fd_); }
    void ready();
    void failed(std::string_view reason);

private:
    explicit startup_report(unique_fd fd) : fd_(std::move(fd)) {}
    void send(std::string_view text);
    unique_fd fd_;  // the write end of the pipe the parent waits on
};

result<void> write_pid_file(const std::string& path);

}  // namespace uun::milter
