// A real HTTPS peer for the curl transport tests: tls_peer.py (Python's
// http.server + ssl) with a CA and certificate made at test time by
// test/lib/make_ca.sh. Lives on 127.0.4.0/24 (the updater's range), on a
// port the kernel picks; stopped and reaped when the object goes.
#pragma once

#include "lib/util/result.hpp"
#include "lib/util/unique_fd.hpp"

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace uun::test {

inline std::string run_shell(const std::string& command)
{
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr)
        throw std::runtime_error("popen failed: " + command);
    char buf[512];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p))
        out.append(buf, n);
    if (::pclose(p) != 0)
        throw std::runtime_error("command failed: " + command);
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

// Makes DIR/ca.pem and DIR/peer.crt + DIR/peer.key for the given SANs.
inline void make_test_ca(const std::string& dir, const std::string& sans)
{
    run_shell(cat("bash ", UUN_SOURCE_DIR, "/test/lib/make_ca.sh ", dir, " peer ", sans, " 2>&1"));
}

class tls_peer {
public:
    tls_peer(const std::string& address, const std::string& cert_dir, const std::string& docroot)
        : address_(address)
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe failed");
        unique_fd read_end(fds[0]), write_end(fds[1]);
        std::string script = cat(UUN_SOURCE_DIR, "/test/unit/milter/updater/tls_peer.py");
        std::string cert = cert_dir + "/peer.crt", key = cert_dir + "/peer.key";
        const char* argv[] = {"/usr/bin/python3", script.c_str(), address.c_str(), cert.c_str(), key.c_str(),
                              docroot.c_str(), nullptr};
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
        int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, const_cast<char**>(argv), environ);
        posix_spawn_file_actions_destroy(&actions);
        write_end.reset();  // the peer has its copy: its exit ends our read
        if (rc != 0)
            throw std::runtime_error("cannot start /usr/bin/python3");
        std::string line;
        struct pollfd p = {read_end.get(), POLLIN, 0};
        char c;
        while (line.find('\n') == std::string::npos && ::poll(&p, 1, 10'000) == 1 &&
               ::read(read_end.get(), &c, 1) == 1)
            line += c;
        read_end.reset();
        if (line.empty() || line.back() != '\n') {
            stop();
            throw std::runtime_error("tls_peer.py did not start");
        }
        port_ = std::stoi(line);
    }
    ~tls_peer() { stop(); }
    tls_peer(const tls_peer&) = delete;
    tls_peer& operator=(const tls_peer&) = delete;

    std::string url() const { return cat("https://", address_, ":", port_); }

private:
    void stop()
    {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }

    std::string address_;
    pid_t pid_ = -1;
    int port_ = 0;
};

}  // namespace uun::test
