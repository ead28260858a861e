// The admin host's commands (see header). The order is the local one: the
// counters are taken and checked against the server host's heads, the
// payload goes over before the entry that names it is signed, and a failure
// anywhere leaves the entry pending for the next run, never signed twice.
#include "server/publish/remote_commands.hpp"

#include "lib/util/log.hpp"
#include "server/publish/publish_log.hpp"
#include "server/publish/remote_store.hpp"

#include <algorithm>
#include <iostream>

namespace uun::publish {

namespace {

remote_link link_of(const command_env& env)
{
    return remote_link{env.config.publish.remote};
}

outcome<void> forward(std::vector<std::string> words, const command_env& env, std::string_view what)
{
    env.out << std::flush;
    env.err << std::flush;
    auto status = remote_command(link_of(env), words);
    if (!status)
        return std::unexpected(status.error());
    if (*status == 0)
        return {};
    auto code = *status >= 2 && *status <= 6 ? static_cast<exit_code>(*status) : exit_code::store;
    return fail_with(code, cat(what, " on the server host failed (uun-publish --serve exited ", *status,
                               "; its message is above)"));
}

}  // namespace

std::vector<std::string> forwarded_words(const cli_options& o)
{
    std::vector<std::string> words{"run"};
    switch (o.what) {
    case command::renotify:
        words.insert(words.end(), {"--renotify", std::to_string(o.seq)});
        break;
    case command::status:
        words.emplace_back("--status");
        if (o.seq != 0)
            words.push_back(std::to_string(o.seq));
        break;
    case command::list:
        words.insert(words.end(), {"--list", "--limit", std::to_string(o.limit)});
        break;
    case command::appliances:
        words.emplace_back("--appliances");
        break;
    case command::pending:
        words.emplace_back("--pending");
        break;
    case command::accept:
    case command::reject:
    case command::forget:
        words.insert(words.end(), {cat("--", o.what == command::accept   ? "accept"
                                             : o.what == command::reject ? "reject"
                                                                         : "forget"),
                                   o.appliance});
        if (!o.key_fingerprint.empty()) {
            std::string key = o.key_fingerprint;
            std::replace(key.begin(), key.end(), '/', '_');  // no paths travel; parse_cli turns it back
            words.insert(words.end(), {"--key", key});
        }
        break;
    default:
        break;
    }
    if (o.wait_seconds)
        words.push_back(cat("--wait=", *o.wait_seconds));
    if (o.json)
        words.emplace_back("--json");
    return words;
}

outcome<void> run_forwarded(const cli_options& o, const command_env& env)
{
    return forward(forwarded_words(o), env, "the command");
}

outcome<void> publish_through_remote(const cli_options& o, const std::string& name,
                                     std::vector<proto::target_selector> target, const signing_keys& keys,
                                     const command_env& env)
{
    const auto& c = env.config;
    if (!keys.root)
        return fail_with(exit_code::usage, "publish.remote needs publish.root: the server host stores only entries "
                                           "it can check against the publisher role of the root");
    remote_store remote(link_of(env));
    auto lock = counters_lock::take(c.publish.counters);
    if (!lock)
        return std::unexpected(lock.error());
    publish_log log{remote, c.publish.counters, env.out, env.err};
    auto counters = prepare_counters(log);
    if (!counters)
        return std::unexpected(counters.error());
    auto payload = remote.upload_payload(o.file, c.store.max_payload_size);
    if (!payload)
        return std::unexpected(payload.error());
    auto draft = draft_entry(o, name, std::move(target), *payload, env);
    auto stored = sign_and_append(std::move(draft), keys.entry_key, true, *counters, log);
    if (!stored)
        return std::unexpected(stored.error());
    report_published(*stored, env, " (through publish.remote)");
    if (!o.urgent)
        return {};
    cli_options notify = o;
    notify.what = command::renotify;
    notify.seq = stored->entry.seq;
    return forward(forwarded_words(notify), env, cat("notifying seq ", notify.seq));
}

}  // namespace uun::publish
