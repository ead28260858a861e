// The commands (see header). publish: every input is checked before the
// payload is stored, and the MTA before the entry is appended, so a refused
// publish leaves the log as it was; the append is one store transaction.
#include "server/publish/commands.hpp"

#include "lib/proto/dsse.hpp"
#include "lib/proto/ed25519.hpp"
#include "lib/proto/update_entry.hpp"
#include "lib/util/log.hpp"
#include "server/publish/counters.hpp"
#include "server/publish/notifier.hpp"
#include "server/publish/progress_wait.hpp"
#include "server/publish/publish_log.hpp"
#include "server/publish/remote_commands.hpp"
#include "server/publish/signing_keys.hpp"
#include "server/publish/tables.hpp"
#include "server/store/payload_dir.hpp"
#include "server/store/store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include <sys/stat.h>
#include <unistd.h>

namespace uun::publish {

namespace {

std::string base_name(const std::string& path)
{
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string join(const std::vector<std::string>& items, std::string_view sep)
{
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : std::string(sep)) + i;
    return out;
}

outcome<void> check_payload_file(const std::string& path, std::uint64_t max_size)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return fail_with(exit_code::input, cat(path, ": ", std::strerror(errno)));
    if (!S_ISREG(st.st_mode))
        return fail_with(exit_code::input, cat(path, ": not a regular file"));
    if (st.st_size == 0)
        return fail_with(exit_code::input, cat(path, ": the file is empty"));
    if (static_cast<std::uint64_t>(st.st_size) > max_size)
        return fail_with(exit_code::input, cat(path, ": ", st.st_size, " bytes is over store.max_payload_size (",
                                               max_size, " bytes)"));
    if (::access(path.c_str(), R_OK) != 0)
        return fail_with(exit_code::input, cat(path, ": cannot read: ", std::strerror(errno)));
    return {};
}

outcome<std::unique_ptr<mail_transport>> ready_transport(const command_env& env)
{
    auto t = env.make_transport(env.config.mta);
    if (auto r = t->check_ready(); !r)
        return fail_with(exit_code::mta, cat("MTA not ready: ", r.error().message));
    return t;
}

// Notifies targets, prints what happened, and waits when asked.
// Entry SEQ, or why there is none: an unknown seq is the admin's input.
outcome<store::stored_entry> existing_entry(store::store& store, std::uint64_t seq)
{
    auto stored = store.entry(seq);
    if (!stored)
        return fail_with(exit_code::store, cat("store: ", stored.error().message));
    if (!*stored)
        return fail_with(exit_code::input, cat("no entry with seq ", seq));
    return std::move(**stored);
}

outcome<void> notify_and_report(const proto::update_entry& entry, const std::vector<store::appliance_record>& targets,
                                const proto::private_key& key, store::store& store, mail_transport& transport,
                                const cli_options& options, const command_env& env)
{
    if (targets.empty()) {
        env.out << "seq " << entry.seq << ": no appliance to notify (none affected, or all installed); no UUN sent\n";
        audit(env, cat("seq ", entry.seq, ": no appliance to notify, no UUN sent"));
        return {};
    }
    notify_context ctx{env.config, key, store, transport, env.clock};
    if (auto counters = load_counters(env.config.publish.counters); counters && *counters)
        ctx.heads = (*counters)->channels;
    auto report = notify_appliances(entry, targets, ctx);
    if (!report)
        return fail_with(exit_code::store, report.error().message);
    for (const auto& note : report->map_notes)
        env.err << "uun-publish: warning: relay map: " << note << "\n";
    for (const auto& f : report->failures)
        env.err << "uun-publish: UUN not handed off: " << f << "\n";
    for (const auto& s : report->store_errors)
        env.err << "uun-publish: notification not recorded: " << s << "\n";
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", report->handoff_seconds);
    env.out << "notified seq " << entry.seq << ": " << report->queued << " of " << report->targets
            << " UUNs queued, " << report->failures.size() << " failed (hand-off " << seconds << " s"
            << (report->retried > 0 ? cat("; ", report->retried, " queued on a retry") : "") << ")\n";
    audit(env, cat("seq ", entry.seq, ": ", report->queued, " of ", report->targets, " UUNs queued, ",
                   report->failures.size(), " failed"));

    outcome<void> handoff = {};
    if (!report->store_errors.empty())
        handoff = fail_with(exit_code::store, cat(report->store_errors.size(), " notifications could not be recorded"));
    else if (!report->failures.empty())
        handoff = fail_with(exit_code::mta, cat(report->failures.size(), " of ", report->targets,
                                                " UUNs were not handed off; the entry is published; retry with "
                                                "--renotify ", entry.seq));
    if (!options.wait_seconds)
        return handoff;

    std::set<std::string> ids;
    for (const auto& t : targets)
        ids.insert(t.id);
    auto waited = wait_for_installs(store, entry.seq, ids, *options.wait_seconds, env.clock, env.pause, env.out,
                                    env.tty);
    if (!waited)
        return fail_with(exit_code::store, waited.error().message);
    if (waited->all_installed())
        return {};
    for (const auto& n : waited->not_installed)
        env.err << "uun-publish: not installed: " << n << "\n";
    if (!handoff)
        return handoff;
    return fail_with(exit_code::incomplete,
                     cat(waited->timed_out ? "time ran out: " : "", waited->counts.installed, " of ", waited->targets,
                         " appliances installed seq ", entry.seq));
}

std::vector<store::appliance_record> not_installed(std::vector<store::appliance_record> affected,
                                                   const std::vector<store::appliance_progress>& progress)
{
    std::set<std::string> installed;
    for (const auto& p : progress)
        if (p.status == "installed")
            installed.insert(p.appliance_id);
    std::erase_if(affected, [&](const store::appliance_record& a) { return installed.contains(a.id); });
    return affected;
}

// Under the publisher lock: the counters checked against the store, the
// payload imported, the entry signed with the next seq and appended.
outcome<store::stored_entry> sign_entry(const cli_options& o, const std::string& name,
                                        std::vector<proto::target_selector> target, const proto::private_key& key,
                                        bool with_channel_seq, store::payload_dir& payloads, store::store& store,
                                        const command_env& env)
{
    const auto& c = env.config;
    auto lock = counters_lock::take(c.publish.counters);
    if (!lock)
        return std::unexpected(lock.error());
    local_log entries(store);
    publish_log log{entries, c.publish.counters, env.out, env.err};
    auto counters = prepare_counters(log);
    if (!counters)
        return std::unexpected(counters.error());
    auto payload = payloads.import(o.file, c.store.max_payload_size);
    if (!payload)
        return fail_with(exit_code::store, cat("payload: ", payload.error().message));
    return sign_and_append(draft_entry(o, name, std::move(target), *payload, env), key, with_channel_seq, *counters,
                           log);
}

outcome<std::unique_ptr<store::store>> open_existing_or_new(const std::string& path)
{
    auto s = store::open_sqlite_store(path);
    if (!s)
        return fail_with(exit_code::store, cat("store: ", s.error().message));
    return std::move(*s);
}

}  // namespace

void audit(const command_env& env, const std::string& message)
{
    if (env.audit)
        log::info(message);
}

outcome<std::unique_ptr<store::store>> open_store(const command_env& env, bool must_exist)
{
    const auto& path = env.config.store.sqlite;
    struct stat st {};
    if (must_exist && ::stat(path.c_str(), &st) != 0)
        return fail_with(exit_code::store, cat("store ", path, " does not exist: nothing published and no "
                                               "appliance registered yet (store.sqlite)"));
    return open_existing_or_new(path);
}

outcome<std::unique_ptr<store::store>> open_store_if_exists(const command_env& env)
{
    const auto& path = env.config.store.sqlite;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        env.err << "uun-publish: store " << path << " does not exist yet (uun-server makes it when it first "
                << "starts): nothing published, no appliance registered\n";
        return std::unique_ptr<store::store>{};
    }
    return open_existing_or_new(path);
}

proto::update_entry draft_entry(const cli_options& o, const std::string& name,
                                std::vector<proto::target_selector> target, const store::payload_info& payload,
                                const command_env& env)
{
    proto::update_entry draft;
    draft.channel = o.channel;
    draft.name = name;
    draft.sha256 = payload.sha256;
    draft.size = payload.size;
    draft.urgent = o.urgent;
    draft.published = env.clock.now();
    draft.target = std::move(target);
    return draft;
}

void report_published(const store::stored_entry& stored, const command_env& env, std::string_view how)
{
    const auto& e = stored.entry;
    std::string place = e.channel_seq > 0 ? cat(" channel_seq ", e.channel_seq) : "";
    env.out << "published seq " << e.seq << " (" << e.id << ") channel " << e.channel << place << ", " << e.name
            << ", " << e.size << " bytes, sha256 " << e.sha256 << (e.urgent ? ", urgent" : "") << how << "\n";
    audit(env, cat("published seq ", e.seq, " (", e.id, ") channel ", e.channel, place, " name ", e.name, " sha256 ",
                   e.sha256, e.urgent ? " urgent" : "", " target ", target_text(e.target), how));
}

outcome<void> run_publish(const cli_options& o, const command_env& env)
{
    const auto& c = env.config;
    if (auto r = check_payload_file(o.file, c.store.max_payload_size); !r)
        return r;
    if (std::find(c.publish.channels.begin(), c.publish.channels.end(), o.channel) == c.publish.channels.end())
        return fail_with(exit_code::input, cat("channel '", o.channel, "' is not in publish.channels (",
                                               join(c.publish.channels, ", "), ")"));
    std::string name = o.name.value_or(base_name(o.file));
    if (!proto::is_plain_file_name(name))
        return fail_with(exit_code::input, cat("name '", name, "' is not a plain file name (letters, digits, "
                                               ". - _ +, not starting with '.', up to 128)"));
    auto target = proto::parse_target_list(o.target);
    if (!target)
        return fail_with(exit_code::input, cat("--target: ", target.error().message));
    auto keys = load_signing_keys(c.publish, env.clock.now());
    if (!keys)
        return std::unexpected(keys.error());
    if (!c.publish.remote.empty())
        return publish_through_remote(o, name, std::move(*target), *keys, env);
    std::unique_ptr<mail_transport> transport;
    if (o.urgent) {
        auto t = ready_transport(env);
        if (!t)
            return std::unexpected(t.error());
        transport = std::move(*t);
    }

    auto store = open_store(env, false);
    if (!store)
        return std::unexpected(store.error());
    store::payload_dir payloads(c.store.payload_dir);
    if (auto r = payloads.check_writable(); !r)
        return fail_with(exit_code::store, cat("store.payload_dir: ", r.error().message));
    auto stored = sign_entry(o, name, std::move(*target), keys->entry_key, keys->root.has_value(), payloads, **store,
                             env);
    if (!stored)
        return std::unexpected(stored.error());
    const auto& e = stored->entry;
    report_published(*stored, env, "");
    if (!o.urgent)
        return {};

    std::int64_t seen_since = env.clock.now() - c.registry.expire_after.count();
    auto affected = (*store)->affected_appliances(e, seen_since);
    if (!affected)
        return fail_with(exit_code::store, cat("store: cannot select affected appliances (the entry is published; "
                                               "retry with --renotify ", e.seq, "): ", affected.error().message));
    return notify_and_report(e, *affected, keys->notify_key, **store, *transport, o, env);
}

outcome<void> run_renotify(const cli_options& o, const command_env& env)
{
    auto store = open_store(env, true);
    if (!store)
        return std::unexpected(store.error());
    auto stored = existing_entry(**store, o.seq);
    if (!stored)
        return std::unexpected(stored.error());
    const auto& e = stored->entry;
    if (!e.urgent)
        return fail_with(exit_code::input,
                         cat("entry ", o.seq, " is not urgent; appliances get it at their next poll"));
    auto keys = load_notify_key(env.config.publish, env.clock.now());
    if (!keys)
        return std::unexpected(keys.error());
    auto transport = ready_transport(env);
    if (!transport)
        return std::unexpected(transport.error());
    std::int64_t seen_since = env.clock.now() - env.config.registry.expire_after.count();
    auto affected = (*store)->affected_appliances(e, seen_since);
    if (!affected)
        return fail_with(exit_code::store, cat("store: ", affected.error().message));
    auto progress = (*store)->progress(o.seq);
    if (!progress)
        return fail_with(exit_code::store, cat("store: ", progress.error().message));
    auto targets = not_installed(std::move(*affected), *progress);
    return notify_and_report(e, targets, keys->notify_key, **store, **transport, o, env);
}

outcome<void> run_query_command(const cli_options& o, const command_env& env)
{
    switch (o.what) {
    case command::renotify:
        return run_renotify(o, env);
    case command::status:
        return run_status(o, env);
    case command::list:
        return run_list(o, env);
    case command::appliances:
        return run_appliances(o, env);
    case command::pending:
        return run_pending(o, env);
    case command::accept:
        return run_accept(o, env);
    case command::reject:
        return run_reject(o, env);
    case command::forget:
        return run_forget(o, env);
    default:
        return fail_with(exit_code::usage, "run: only --renotify, --status, --list, --appliances and the admission "
                                           "commands are forwarded");
    }
}

}  // namespace uun::publish
