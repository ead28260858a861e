// The report commands: --status, --list, --appliances and --pending, as
// tables (tables.hpp) or --json (json_reports.hpp). They only read: a store
// that does not exist yet is an empty one, and is not made (the file is
// uun-server's), so a fresh install answers with empty results and exit 0.
#include "server/publish/commands.hpp"
#include "server/publish/json_reports.hpp"
#include "server/publish/tables.hpp"

namespace uun::publish {

namespace {

// The entry --status shows: SEQ, or the newest (0); nullopt on an empty log.
outcome<std::optional<store::stored_entry>> status_entry(store::store& store, std::uint64_t seq)
{
    if (seq == 0) {
        auto head = store.head_seq();
        if (!head)
            return fail_with(exit_code::store, cat("store: ", head.error().message));
        if (*head == 0)
            return std::optional<store::stored_entry>{};
        seq = *head;
    }
    auto stored = store.entry(seq);
    if (!stored)
        return fail_with(exit_code::store, cat("store: ", stored.error().message));
    if (!*stored)
        return fail_with(exit_code::input, cat("no entry with seq ", seq));
    return std::move(*stored);
}

}  // namespace

outcome<void> run_status(const cli_options& o, const command_env& env)
{
    auto store = open_store_if_exists(env);
    if (!store)
        return std::unexpected(store.error());
    if (!*store && o.seq != 0)
        return fail_with(exit_code::input, cat("no entry with seq ", o.seq, " (nothing is published yet)"));
    std::optional<store::stored_entry> entry;
    std::vector<store::appliance_progress> progress;
    std::vector<store::notification_record> notifications;
    if (*store) {
        auto found = status_entry(**store, o.seq);
        if (!found)
            return std::unexpected(found.error());
        entry = std::move(*found);
    }
    if (entry) {
        auto p = (*store)->progress(entry->entry.seq);
        if (!p)
            return fail_with(exit_code::store, cat("store: ", p.error().message));
        auto n = (*store)->notifications(entry->entry.seq);
        if (!n)
            return fail_with(exit_code::store, cat("store: ", n.error().message));
        progress = std::move(*p);
        notifications = std::move(*n);
    }
    if (o.json)
        env.out << status_json(entry, progress, notifications);
    else if (entry)
        env.out << status_report(*entry, progress, notifications);
    else
        env.out << empty_status_report();
    return {};
}

outcome<void> run_list(const cli_options& o, const command_env& env)
{
    auto store = open_store_if_exists(env);
    if (!store)
        return std::unexpected(store.error());
    std::vector<listed_entry> listed;
    if (*store) {
        auto recent = (*store)->recent_entries(o.limit);
        if (!recent)
            return fail_with(exit_code::store, cat("store: ", recent.error().message));
        for (auto& e : *recent) {
            auto progress = (*store)->progress(e.entry.seq);
            if (!progress)
                return fail_with(exit_code::store, cat("store: ", progress.error().message));
            listed.push_back({std::move(e), count_progress(*progress)});
        }
    }
    env.out << (o.json ? list_json(listed) : list_report(listed));
    return {};
}

outcome<void> run_appliances(const cli_options& o, const command_env& env)
{
    auto store = open_store_if_exists(env);
    if (!store)
        return std::unexpected(store.error());
    std::vector<store::appliance_record> rows;
    if (*store) {
        auto found = (*store)->appliances(0);
        if (!found)
            return fail_with(exit_code::store, cat("store: ", found.error().message));
        rows = std::move(*found);
    }
    std::int64_t live_since = env.clock.now() - env.config.registry.expire_after.count();
    env.out << (o.json ? appliances_json(rows, live_since) : appliances_report(rows, live_since));
    return {};
}

outcome<void> run_pending(const cli_options& o, const command_env& env)
{
    auto store = open_store_if_exists(env);
    if (!store)
        return std::unexpected(store.error());
    std::vector<store::admission_request> requests;
    if (*store) {
        auto found = (*store)->admission_requests();
        if (!found)
            return fail_with(exit_code::store, cat("store: ", found.error().message));
        requests = std::move(*found);
    }
    env.out << (o.json ? admission_json(requests) : admission_report(requests));
    return {};
}

}  // namespace uun::publish
