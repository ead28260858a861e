// The --wait loop (see header).
#include "server/publish/progress_wait.hpp"

#include <map>

namespace uun::publish {

std::string progress_line(std::uint64_t seq, std::size_t targets, const entry_counts& c)
{
    return cat("seq ", seq, ": ", targets, " appliances, ", c.queued, " notified, ", c.fetched, " fetched, ",
               c.installed, " installed, ", c.install_failed, " failed");
}

result<wait_result> wait_for_installs(store::store& store, std::uint64_t seq, const std::set<std::string>& targets,
                                      std::int64_t seconds, const uun::clock& clock,
                                      const std::function<void()>& pause, std::ostream& out, bool tty)
{
    wait_result w;
    w.targets = targets.size();
    std::int64_t deadline = clock.now() + seconds;
    std::string last_line;
    std::vector<store::appliance_progress> mine;
    for (;;) {
        auto rows = store.progress(seq);
        if (!rows)
            return fail(cat("store: cannot read progress of seq ", seq, ": ", rows.error().message));
        mine.clear();
        for (auto& p : *rows)
            if (targets.contains(p.appliance_id))
                mine.push_back(std::move(p));
        w.counts = count_progress(mine);
        std::string line = progress_line(seq, w.targets, w.counts);
        std::int64_t left = deadline - clock.now();
        if (tty)
            out << "\r" << line << ", " << (left < 0 ? 0 : left) << " s left\x1b[K" << std::flush;
        else if (line != last_line)
            out << line << "\n" << std::flush;
        last_line = line;
        if (w.counts.installed + w.counts.install_failed >= w.targets)
            break;
        if (left <= 0) {
            w.timed_out = true;
            break;
        }
        pause();
    }
    if (tty)
        out << "\n";

    std::map<std::string, const store::appliance_progress*> by_id;
    for (const auto& p : mine)
        by_id[p.appliance_id] = &p;
    for (const auto& id : targets) {
        auto it = by_id.find(id);
        if (it == by_id.end() || it->second->status.empty())
            w.not_installed.push_back(cat(id, ": no report"));
        else if (it->second->status != "installed")
            w.not_installed.push_back(cat(id, ": ", it->second->status,
                                          it->second->detail.empty() ? "" : ": " + it->second->detail));
    }
    return w;
}

}  // namespace uun::publish
