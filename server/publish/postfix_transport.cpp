// The real MTA transport (see mail_transport.hpp): Postfix's sendmail and
// postmap, or SMTP on loopback. Hand-offs run on mta.parallel threads so
// Postfix's per-mail work (smtpd, cleanup, a queue-file fsync) overlaps;
// sendmail gains little past 4 since Postfix's one pickup process reads them.
#include "lib/util/file_util.hpp"
#include "lib/util/unique_fd.hpp"
#include "server/publish/mail_transport.hpp"
#include "server/publish/run_process.hpp"
#include "server/publish/smtp_submit.hpp"
#include "server/publish/uun_mail.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uun::publish {

namespace {

result<void> require_executable(const std::string& key, const std::string& path)
{
    if (::access(path.c_str(), X_OK) != 0)
        return fail(cat("mta.", key, ": ", path, " is not an executable program: ", std::strerror(errno)));
    return {};
}

// Runs a program that must succeed; its own words go into the error.
result<void> run_checked(const std::vector<std::string>& argv)
{
    auto done = run_process(argv, "");
    if (!done)
        return std::unexpected(done.error());
    if (auto why = describe_failure(argv[0], *done); !why.empty())
        return fail(why);
    return {};
}

// Runs work(i) for i in [0, count) on up to `threads` threads.
template <class Work>
void run_parallel(std::size_t count, std::size_t threads, const Work& work)
{
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < count; i = next++)
            work(i);
    };
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < std::min(threads, count); ++t)
        pool.emplace_back(worker);
    worker();
}

class postfix_transport final : public mail_transport {
public:
    explicit postfix_transport(settings::mta_config config) : config_(std::move(config)) {}

    result<void> check_ready() override
    {
        if (config_.submit == settings::submit_method::sendmail) {
            if (auto r = require_executable("sendmail", config_.sendmail.front()); !r)
                return r;
        } else if (auto r = probe_smtp(config_.smtp); !r) {
            return fail(cat("mta.smtp: ", r.error().message));
        }
        if (auto r = require_executable("postmap", config_.postmap.front()); !r)
            return r;
        if (!config_.reload.empty())
            if (auto r = require_executable("reload", config_.reload.front()); !r)
                return r;
        if (config_.relay_map.empty())
            return fail("mta.relay_map is not set");
        std::string dir = parent_directory(config_.relay_map);
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            return fail(cat("mta.relay_map: directory ", dir, " does not exist"));
        if (::access(dir.c_str(), W_OK) != 0)
            return fail(cat("mta.relay_map: directory ", dir, " is not writable: ", std::strerror(errno)));
        if (::stat(config_.relay_map.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
            return fail(cat("mta.relay_map: ", config_.relay_map, " is not a regular file"));
        return {};
    }

    result<void> lock() override
    {
        std::string path = config_.relay_map + ".lock";
        lock_fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!lock_fd_)
            return fail(cat(path, ": cannot open lock file: ", std::strerror(errno)));
        while (::flock(lock_fd_.get(), LOCK_EX) != 0)
            if (errno != EINTR)
                return fail(cat(path, ": cannot lock: ", std::strerror(errno)));
        return {};
    }

    result<void> install_relay_map(const std::string& content) override
    {
        if (auto r = write_file_atomic(config_.relay_map, content, 0644); !r)
            return fail(cat("relay map: ", r.error().message));
        if (auto r = run_checked(postmap_argv(config_)); !r)
            return fail(cat("relay map: ", r.error().message));
        // Without this, trivial-rewrite notices a changed table only at its
        // next 10-second check (and never one that was missing at its start).
        if (!config_.reload.empty())
            if (auto r = run_checked(config_.reload); !r)
                return fail(cat("MTA reload: ", r.error().message));
        return {};
    }

    std::vector<handoff> submit(const std::vector<outgoing_mail>& mails) override
    {
        std::vector<handoff> results(mails.size());
        auto threads = static_cast<std::size_t>(config_.parallel);
        if (config_.submit == settings::submit_method::sendmail) {
            run_parallel(mails.size(), threads, [&](std::size_t i) {
                results[i] = submit_sendmail(mails[i]);
            });
            return results;
        }
        // One SMTP session per thread; each takes the next mail in turn.
        std::atomic<std::size_t> next{0};
        run_parallel(std::min(threads, mails.size()), threads, [&](std::size_t) {
            smtp_session session(config_.smtp);
            for (std::size_t i = next++; i < mails.size(); i = next++)
                results[i] = session.send(mails[i].sender, mails[i].recipient, to_crlf(mails[i].message));
        });
        return results;
    }

private:
    // Worth another try: sendmail's EX_TEMPFAIL, a signal, or one that could
    // not be started now or overstayed its timeout.
    handoff submit_sendmail(const outgoing_mail& m) const
    {
        constexpr int ex_tempfail = 75;
        auto argv = sendmail_argv(config_.sendmail, m.sender, m.recipient);
        auto done = run_process(argv, m.message);
        if (!done)
            return handoff::deferred(done.error().message);
        if (auto why = describe_failure(argv[0], *done); !why.empty())
            return done->status == ex_tempfail || done->signal != 0 ? handoff::deferred(why) : handoff::refused(why);
        return {};
    }

    settings::mta_config config_;
    unique_fd lock_fd_;  // held until the transport goes
};

}  // namespace

std::vector<std::string> sendmail_argv(const std::vector<std::string>& base, const std::string& sender,
                                       const std::string& recipient)
{
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), {"-f", sender, "-i", "--", recipient});
    return argv;
}

std::vector<std::string> postmap_argv(const settings::mta_config& config)
{
    std::vector<std::string> argv = config.postmap;
    argv.push_back(config.map_type + ":" + config.relay_map);
    return argv;
}

std::unique_ptr<mail_transport> make_postfix_transport(const settings::mta_config& config)
{
    return std::make_unique<postfix_transport>(config);
}

}  // namespace uun::publish
