// bench-fleet-sim: N simulated appliances in one process for the fleet
// benchmark (bench/fleet.sh). Each has its own loopback address: port 25 on
// it answers SMTP (smtp_fleet), each mail's X-UUN is checked with lib's
// check_uun_header as uun-milter does, and a valid one makes that appliance
// poll uun-server from its address with the updater's own code (curl
// transport, poll protocol, DSSE verification, install into its temporary
// directory, report). First every appliance registers with a periodic poll.
// Events go to --events as "<unix ms> <event> <index>"; a summary goes to
// stdout at SIGTERM. Exit 2 on a bad command line, 1 on a set-up failure,
// with the reason on stderr. The set-up itself is in fleet_setup.cpp.
#include "bench/fleet/fleet_setup.hpp"
#include "bench/fleet/smtp_fleet.hpp"
#include "lib/proto/keyring.hpp"
#include "lib/proto/uun_header.hpp"
#include "lib/util/clock.hpp"
#include "lib/util/log.hpp"
#include "milter/updater/curl_transport.hpp"
#include "milter/updater/poll_cycle.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace uun;

namespace {

constexpr std::int64_t clock_skew = 300;
constexpr int listen_backlog = 64;
constexpr rlim_t fd_reserve = 1024;  // curl, state files, logs

class event_log {
public:
    explicit event_log(const std::string& path) : f_(std::fopen(path.c_str(), "a")) {}
    ~event_log()
    {
        if (f_)
            std::fclose(f_);
    }
    bool ok() const { return f_ != nullptr; }
    void write(const char* what, std::size_t index)
    {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
        std::lock_guard lock(mutex_);
        std::fprintf(f_, "%lld %s %zu\n", static_cast<long long>(ms), what, index);
        std::fflush(f_);
    }

private:
    std::FILE* f_;
    std::mutex mutex_;
};

struct job {
    std::size_t index;
    proto::poll_reason reason;
};

class fleet {
public:
    fleet(const bench::fleet_options& o, const proto::keyring& keys) : options_(o), keys_(keys), events_(o.events) {}

    bool events_ok() const { return events_.ok(); }

    // Takes the appliances build_appliances made, one per address.
    void adopt(std::vector<std::unique_ptr<bench::appliance>> appliances) { appliances_ = std::move(appliances); }

    void start_workers()
    {
        for (int t = 0; t < options_.threads; ++t)
            workers_.emplace_back([this] { work(); });
    }

    void stop_workers()
    {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (auto& w : workers_)
            w.join();
    }

    void enqueue(std::size_t index, proto::poll_reason reason)
    {
        if (appliances_[index]->queued.exchange(true))
            return;  // one poll waiting is enough
        {
            std::lock_guard lock(mutex_);
            jobs_.push_back({index, reason});
        }
        wake_.notify_one();
    }

    // Waits until every queued job is done.
    void drain()
    {
        std::unique_lock lock(mutex_);
        idle_.wait(lock, [this] { return jobs_.empty() && busy_ == 0; });
    }

    // The SMTP thread's view of a mail to appliance `index`.
    void on_mail(std::size_t index, const std::string& value)
    {
        if (value.empty()) {
            events_.write("mail_without_uun", index);
            return;
        }
        auto check = proto::check_uun_header(value, keys_, clock_.now(), clock_skew);
        if (check.verdict != proto::uun_verdict::valid) {
            events_.write("bad_uun", index);
            return;
        }
        auto& a = *appliances_[index];
        if (!a.nonces.insert(check.header->claim.nonce).second) {
            events_.write("replayed_uun", index);
            return;
        }
        ++valid_uuns_;
        events_.write("uun", index);
        enqueue(index, proto::poll_reason::urgent);
    }

    std::uint64_t polls() const { return polls_; }
    std::uint64_t poll_failures() const { return poll_failures_; }
    std::uint64_t installs() const { return installs_; }
    std::uint64_t valid_uuns() const { return valid_uuns_; }

private:
    void work()
    {
        system_clock clock;
        for (;;) {
            job j{};
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                if (stopping_)
                    return;
                j = jobs_.front();
                jobs_.pop_front();
                ++busy_;
            }
            poll(j, clock);
            {
                std::lock_guard lock(mutex_);
                --busy_;
            }
            idle_.notify_all();
        }
    }

    void poll(const job& j, const uun::clock& clock)
    {
        auto& a = *appliances_[j.index];
        a.queued = false;
        // One transport per poll: each appliance is its own host, so no connection is shared.
        auto transport = updater::curl_transport::create(updater::curl_settings_from(a.config));
        if (!transport) {
            ++poll_failures_;
            events_.write("poll_failed", j.index);
            return;
        }
        updater::poll_cycle cycle(a.config, keys_, **transport, *a.store, clock);
        auto out = cycle.run(j.reason, a.state, a.token);
        ++polls_;
        if (!out.complete || out.problems > 0) {
            ++poll_failures_;
            events_.write("poll_failed", j.index);
        } else if (out.installed > 0) {
            installs_ += static_cast<std::uint64_t>(out.installed);
            events_.write("installed", j.index);
        } else {
            events_.write(j.reason == proto::poll_reason::urgent ? "polled_urgent" : "registered", j.index);
        }
    }

    const bench::fleet_options& options_;
    const proto::keyring& keys_;
    event_log events_;
    system_clock clock_;
    std::vector<std::unique_ptr<bench::appliance>> appliances_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable idle_;
    std::deque<job> jobs_;
    int busy_ = 0;
    bool stopping_ = false;
    std::atomic<std::uint64_t> polls_{0};
    std::atomic<std::uint64_t> poll_failures_{0};
    std::atomic<std::uint64_t> installs_{0};
    std::atomic<std::uint64_t> valid_uuns_{0};
};

bench::smtp_fleet* smtp_ = nullptr;

extern "C" void on_stop_signal(int)
{
    if (smtp_ != nullptr)
        smtp_->stop();  // eventfd write: async-signal-safe
}

int die(const std::string& message)
{
    std::fprintf(stderr, "bench-fleet-sim: %s\n", message.c_str());
    return 1;
}

}  // namespace

int main(int argc, char** argv)
{
    auto parsed = bench::parse_fleet_options(argc, argv);
    if (!parsed) {
        std::fprintf(stderr, "bench-fleet-sim: %s\n%s", parsed.error().message.c_str(), bench::fleet_usage());
        return 2;
    }
    const bench::fleet_options& o = *parsed;
    std::signal(SIGPIPE, SIG_IGN);
    log::open("fleet-sim", log::sink::stderr_stream, false);
    // One listener per appliance, then SMTP connections, curl and files.
    auto fd_limit = bench::raise_fd_limit(static_cast<rlim_t>(o.count) + fd_reserve + 256,
                                          static_cast<rlim_t>(o.count) + bench::max_smtp_connections + fd_reserve);
    if (!fd_limit)
        return die(fd_limit.error().message);
    auto keys = proto::keyring::load({o.key});
    if (!keys)
        return die(keys.error().message);
    auto addrs = bench::fleet_addresses(o.first, o.count);
    fleet f(o, *keys);
    if (!f.events_ok())
        return die(cat(o.events, ": cannot open"));
    auto started = std::chrono::steady_clock::now();
    auto appliances = bench::build_appliances(o, addrs);
    if (!appliances)
        return die(appliances.error().message);
    f.adopt(std::move(*appliances));
    bench::smtp_fleet smtp(static_cast<std::size_t>(*fd_limit - o.count - fd_reserve));
    if (auto ok = smtp.listen_all(addrs, o.port, listen_backlog); !ok)
        return die(ok.error().message);
    smtp_ = &smtp;
    std::signal(SIGTERM, on_stop_signal);
    std::signal(SIGINT, on_stop_signal);

    f.start_workers();
    for (std::size_t i = 0; i < addrs.size(); ++i)
        f.enqueue(i, proto::poll_reason::periodic);
    f.drain();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("registered %zu appliances (%s to %s) in %.1f s, %llu poll failures\n", addrs.size(),
                bench::address_text(addrs.front()).c_str(), bench::address_text(addrs.back()).c_str(), seconds,
                static_cast<unsigned long long>(f.poll_failures()));
    std::fflush(stdout);

    auto ran = smtp.run([&](std::size_t index, const std::string& value) { f.on_mail(index, value); });
    f.stop_workers();
    std::printf("smtp sessions %llu, mails %llu, valid UUNs %llu, polls %llu, poll failures %llu, installs %llu\n",
                static_cast<unsigned long long>(smtp.sessions()), static_cast<unsigned long long>(smtp.mails()),
                static_cast<unsigned long long>(f.valid_uuns()), static_cast<unsigned long long>(f.polls()),
                static_cast<unsigned long long>(f.poll_failures()), static_cast<unsigned long long>(f.installs()));
    if (!ran)
        return die(ran.error().message);
    return 0;
}
