// Detaching uun-server from its terminal (no -f): the parent waits until the
// child says it is ready, or why it failed, and exits 0 or 1 with that, so an
// init script sees start-up errors. Caller: server_main, before any thread
// starts and before the store is opened (SQLite must not cross a fork).
#pragma once

#include <string_view>
#include <utility>

#include "lib/util/result.hpp"
#include "lib/util/unique_fd.hpp"

namespace uun::server {

class background {
public:
    // In the parent this does not return. In the child it returns the channel
    // to the parent; the child is in a new session with its cwd at /.
    static result<background> detach();

    background(background&& other) noexcept = default;
    background& operator=(background&&) = delete;

    // The parent exits 0; stdin and stdout become /dev/null, and stderr too
    // unless the log goes there (log.syslog: false).
    void ready(bool keep_stderr);
    // The parent prints the message and exits 1.
    void failed(std::string_view message);

private:
    explicit background(unique_fd fd) : fd_(std::move(fd)) {}
    unique_fd fd_;  // the write end of the pipe the parent waits on
};

}  // namespace uun::server
