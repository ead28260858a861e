// Running in the background: fork with a readiness pipe, so the command that
// started uun-milter exits 0 only once the milter listens and has dropped
// privileges, and otherwise prints why it failed; plus the pid file.
// Called by run_milter when not started with -f.
#pragma once

#include <string>
#include <string_view>

#include "lib/util/result.hpp"

namespace uun::milter {

class startup_report {
public:
    startup_report() = default;  // foreground: nobody waits
    ~startup_report();
    startup_report(startup_report&& other) noexcept;
    startup_report& operator=(startup_report&& other) noexcept;
    startup_report(const startup_report&) = delete;
    startup_report& operator=(const startup_report&) = delete;

    // Forks. The parent never returns: it exits 0 when the child reports
    // ready and 1 (printing the child's reason) otherwise. The child detaches
    // from the terminal and returns the report to send.
    static result<startup_report> daemonize();

    bool waited_on() const { return fd_ >= 0; }
    void ready();
    void failed(std::string_view reason);

private:
    explicit startup_report(int fd) : fd_(fd) {}
    void send(std::string_view text);
    int fd_ = -1;
};

result<void> write_pid_file(const std::string& path);

}  // namespace uun::milter
