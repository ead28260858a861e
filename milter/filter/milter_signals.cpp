// uun-milter's signals (see header).
#include "milter/filter/milter_signals.hpp"

#include "lib/util/log.hpp"

#include <libmilter/mfapi.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <thread>

#include <pthread.h>

namespace uun::filter {

namespace {

std::atomic<bool> signals_are_ours{false};

sigset_t milter_signal_set()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

// Runs reload once per request; requests that come while one runs make one more.
class reload_worker {
public:
    explicit reload_worker(const std::function<void()>& reload) : reload_(reload), thread_([this] { loop(); }) {}
    ~reload_worker()
    {
        {
            std::lock_guard<std::mutex> hold(lock_);
            stopping_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }
    reload_worker(const reload_worker&) = delete;
    reload_worker& operator=(const reload_worker&) = delete;

    void request()
    {
        {
            std::lock_guard<std::mutex> hold(lock_);
            pending_ = true;
        }
        wake_.notify_one();
    }

private:
    void loop()
    {
        std::unique_lock<std::mutex> hold(lock_);
        for (;;) {
            wake_.wait(hold, [this] { return pending_ || stopping_; });
            if (stopping_)
                return;
            pending_ = false;
            hold.unlock();
            reload_();
            hold.lock();
        }
    }

    const std::function<void()>& reload_;
    std::mutex lock_;
    std::condition_variable wake_;
    bool pending_ = false;
    bool stopping_ = false;
    std::thread thread_;  // last: it starts once the rest is in place
};

}  // namespace

result<void> block_milter_signals()
{
    sigset_t set = milter_signal_set();
    if (int rc = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0)
        return fail(cat("cannot block SIGHUP, SIGTERM and SIGINT: ", std::strerror(rc)));
    return {};
}

int run_with_signals(const std::function<int()>& serve, const std::function<void()>& reload)
{
    std::atomic<bool> served{false};
    int rc = 0;
    signals_are_ours = true;  // before smfi_main starts libmilter's signal thread
    reload_worker worker(reload);
    std::thread milter([&] {
        rc = serve();
        served = true;
    });
    sigset_t set = milter_signal_set();
    // The wait wakes now and then to notice smfi_main returning on its own.
    const timespec tick{0, 200'000'000};
    bool stopping = false;
    while (!served) {
        int sig = ::sigtimedwait(&set, nullptr, &tick);
        if (sig == SIGHUP && !stopping) {
            worker.request();
        } else if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
            log::info(cat("stopping on ", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
            stopping = true;
            smfi_stop();
        } else if (sig < 0 && errno != EAGAIN && errno != EINTR) {
            log::error(cat("sigtimedwait: ", std::strerror(errno)));
        }
    }
    milter.join();
    return rc;
}

}  // namespace uun::filter

// POSIX sigwait, minus the signals uun-milter takes itself once they are
// its own (see the header): libmilter's signal thread then waits for nothing.
extern "C" int sigwait(const sigset_t* set, int* sig)
{
    sigset_t wanted = *set;
    if (uun::filter::signals_are_ours.load()) {
        sigdelset(&wanted, SIGHUP);
        sigdelset(&wanted, SIGTERM);
        sigdelset(&wanted, SIGINT);
    }
    for (;;) {
        int got = ::sigwaitinfo(&wanted, nullptr);
        if (got > 0) {
            *sig = got;
            return 0;
        }
        if (errno != EINTR)
            return errno;
    }
}
