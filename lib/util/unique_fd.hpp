// The one owner of a file descriptor: move-only, closes on destruction.
// Every program uses it for files, pipes, sockets, locks and pidfds it opens;
// a function that must report a failed close (a durable write) calls close().
#pragma once

#include <cerrno>
#include <utility>

#include <unistd.h>

namespace uun {

class unique_fd {
public:
    unique_fd() = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    ~unique_fd() { reset(); }
    unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
    unique_fd& operator=(unique_fd&& other) noexcept
    {
        if (this != &other)
            reset(other.release());
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

    // Gives the descriptor up without closing it; the caller owns it now.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

    // Closes the one held (if any) and takes fd.
    void reset(int fd = -1) noexcept
    {
        if (fd_ >= 0 && fd_ != fd)
            close_fd(fd_);
        fd_ = fd;
    }

    // Closes now: 0, or -1 with errno (for writes whose close must succeed).
    int close() noexcept
    {
        int fd = release();
        return fd < 0 ? 0 : close_fd(fd);
    }

private:
    // Linux releases the descriptor even when close() is interrupted, so
    // EINTR counts as closed; retrying could close a descriptor another
    // thread has just been given.
    static int close_fd(int fd) noexcept
    {
        int rc = ::close(fd);
        return rc != 0 && errno == EINTR ? 0 : rc;
    }

    int fd_ = -1;
};

}  // namespace uun
