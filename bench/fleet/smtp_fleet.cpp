// The fleet's SMTP listener (see header). epoll data: a pointer to a
// connection, or the listener index with the top bit set.
#include "bench/fleet/smtp_fleet.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace uun::bench {

namespace {

constexpr std::uint64_t listener_tag = 1ull << 63;
constexpr std::uint64_t wake_tag = 1ull << 62;
constexpr int max_events = 256;

bool iequals_prefix(std::string_view line, std::string_view word)
{
    if (line.size() < word.size())
        return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
        char a = line[i];
        if (a >= 'a' && a <= 'z')
            a = static_cast<char>(a - 'a' + 'A');
        if (a != word[i])
            return false;
    }
    return true;
}

}  // namespace

std::string header_value(std::string_view mail, std::string_view name)
{
    std::string out;
    bool in_value = false;
    while (!mail.empty()) {
        auto end = mail.find("\r\n");
        std::string_view line = mail.substr(0, end);
        mail = end == std::string_view::npos ? std::string_view() : mail.substr(end + 2);
        if (line.empty())
            break;  // end of headers
        bool continuation = line[0] == ' ' || line[0] == '\t';
        if (in_value) {
            if (!continuation)
                return out;
            out += '\n';
            out += line;
            continue;
        }
        if (continuation)
            continue;
        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon != name.size())
            continue;
        std::string upper(name);
        for (auto& ch : upper)
            if (ch >= 'a' && ch <= 'z')
                ch = static_cast<char>(ch - 'a' + 'A');
        if (!iequals_prefix(line, upper))
            continue;
        std::string_view value = line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ')
            value.remove_prefix(1);  // as libmilter strips one leading space
        out.assign(value);
        in_value = true;
    }
    return out;
}

struct smtp_fleet::connection {
    int fd = -1;
    std::size_t index = 0;
    bool in_data = false;
    bool closing = false;
    bool too_big = false;
    std::string in;
    std::string out;
    std::string mail;
};

result<void> smtp_fleet::listen_all(const std::vector<in_addr>& addresses, int port, int backlog)
{
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!epoll_ || !wake_)
        return fail(cat("epoll/eventfd: ", std::strerror(errno)));
    epoll_event wake_event{};
    wake_event.events = EPOLLIN;
    wake_event.data.u64 = wake_tag;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &wake_event);
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!fd)
            return fail(cat("socket: ", std::strerror(errno), " (listener ", i + 1, "; is RLIMIT_NOFILE high enough?)"));
        int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<std::uint16_t>(port));
        sa.sin_addr = addresses[i];
        char text[INET_ADDRSTRLEN] = "";
        ::inet_ntop(AF_INET, &addresses[i], text, sizeof text);
        if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd.get(), backlog) != 0)
            return fail(cat("bind/listen ", text, ":", port, ": ", std::strerror(errno)));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = listener_tag | i;
        int added = ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &ev);
        listeners_.push_back(std::move(fd));
        if (added != 0)
            return fail(cat("epoll_ctl: ", std::strerror(errno)));
    }
    return {};
}

void smtp_fleet::stop()
{
    std::uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
}

result<void> smtp_fleet::run(const mail_handler& on_mail)
{
    on_mail_ = &on_mail;
    epoll_event events[max_events];
    for (;;) {
        int n = ::epoll_wait(epoll_.get(), events, max_events, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(cat("epoll_wait: ", std::strerror(errno)));
        }
        for (int i = 0; i < n; ++i) {
            std::uint64_t tag = events[i].data.u64;
            if (tag == wake_tag)
                return {};
            if (tag & listener_tag) {
                accept_on(static_cast<std::size_t>(tag & ~listener_tag));
                continue;
            }
            auto* c = static_cast<connection*>(events[i].data.ptr);
            if (c->fd < 0)
                continue;  // closed earlier in this round
            if (events[i].events & (EPOLLERR | EPOLLHUP)) {
                close_connection(c);
                continue;
            }
            if (events[i].events & EPOLLOUT)
                flush(c);
            if (c->fd >= 0 && (events[i].events & EPOLLIN))
                readable(c);
        }
        for (auto* c : dead_)
            delete c;
        dead_.clear();
    }
}

void smtp_fleet::accept_on(std::size_t index)
{
    for (;;) {
        int fd = ::accept4(listeners_[index].get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;  // EAGAIN, or out of descriptors: the client retries
        if (open_ >= max_connections_) {
            ::close(fd);
            continue;
        }
        auto* c = new connection;
        c->fd = fd;
        c->index = index;
        ++open_;
        ++sessions_;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
        c->out = "220 appliance.fleet.test ESMTP fleet simulator\r\n";
        flush(c);
    }
}

void smtp_fleet::readable(connection* c)
{
    char buffer[16384];
    for (;;) {
        ssize_t n = ::read(c->fd, buffer, sizeof buffer);
        if (n == 0) {
            close_connection(c);
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                break;
            close_connection(c);
            return;
        }
        c->in.append(buffer, static_cast<std::size_t>(n));
    }
    std::size_t start = 0;
    for (;;) {
        auto end = c->in.find("\r\n", start);
        if (end == std::string::npos)
            break;
        std::string_view line(c->in.data() + start, end - start);
        start = end + 2;
        handle_line(c, line);
    }
    c->in.erase(0, start);
    if (c->in.size() > max_smtp_line && !c->in_data) {
        close_connection(c);
        return;
    }
    flush(c);
}

void smtp_fleet::handle_line(connection* c, std::string_view line)
{
    if (c->in_data) {
        if (line == ".") {
            c->in_data = false;
            if (c->too_big) {
                c->out += "552 5.3.4 Message too big\r\n";
            } else {
                ++mails_;
                (*on_mail_)(c->index, header_value(c->mail, "X-UUN"));
                c->out += "250 2.0.0 Ok: taken by the fleet simulator\r\n";
            }
            c->mail.clear();
            return;
        }
        if (line.starts_with("."))
            line.remove_prefix(1);  // dot-stuffing
        if (c->mail.size() + line.size() + 2 > max_mail_bytes) {
            c->too_big = true;
            return;
        }
        c->mail.append(line);
        c->mail.append("\r\n");
        return;
    }
    if (c->closing)
        return;
    if (iequals_prefix(line, "EHLO"))
        c->out += "250-appliance.fleet.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
    else if (iequals_prefix(line, "HELO"))
        c->out += "250 appliance.fleet.test\r\n";
    else if (iequals_prefix(line, "MAIL FROM:"))
        c->out += "250 2.1.0 Ok\r\n";
    else if (iequals_prefix(line, "RCPT TO:"))
        c->out += "250 2.1.5 Ok\r\n";
    else if (iequals_prefix(line, "DATA")) {
        c->in_data = true;
        c->too_big = false;
        c->out += "354 End data with <CR><LF>.<CR><LF>\r\n";
    } else if (iequals_prefix(line, "RSET") || iequals_prefix(line, "NOOP"))
        c->out += "250 2.0.0 Ok\r\n";
    else if (iequals_prefix(line, "QUIT")) {
        c->out += "221 2.0.0 Bye\r\n";
        c->closing = true;
    } else
        c->out += "502 5.5.2 Error: command not recognized\r\n";
}

void smtp_fleet::flush(connection* c)
{
    while (!c->out.empty()) {
        ssize_t n = ::write(c->fd, c->out.data(), c->out.size());
        if (n < 0) {
            if (errno == EAGAIN) {
                epoll_event ev{};
                ev.events = EPOLLIN | EPOLLOUT;
                ev.data.ptr = c;
                ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c->fd, &ev);
                return;
            }
            close_connection(c);
            return;
        }
        c->out.erase(0, static_cast<std::size_t>(n));
    }
    if (c->closing) {
        close_connection(c);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = c;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c->fd, &ev);
}

void smtp_fleet::close_connection(connection* c)
{
    if (c->fd < 0)
        return;
    ::close(c->fd);  // also leaves the epoll set
    c->fd = -1;
    --open_;
    // Events for c may still be in this round's array: freed after the round.
    dead_.push_back(c);
}

}  // namespace uun::bench
