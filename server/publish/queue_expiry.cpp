// Deleting UUNs past their x= from the vendor's queue (see header).
#include "server/publish/queue_expiry.hpp"

#include "lib/util/spawn.hpp"
#include "server/publish/relay_map.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace uun::publish {

namespace {

constexpr std::size_t max_listing_bytes = 64u << 20;  // about 200 000 queued mails

std::string describe(const spawn_outcome& o)
{
    if (o.timed_out)
        return "timed out";
    if (o.signal != 0)
        return cat("killed by signal ", o.signal);
    std::string first = o.output.substr(0, o.output.find('\n'));
    return cat("exited ", o.exit_status, first.empty() ? "" : ": ", first.substr(0, 200));
}

}  // namespace

queue_listing parse_postqueue_json(std::string_view output)
{
    queue_listing out;
    while (!output.empty()) {
        auto nl = output.find('\n');
        auto line = output.substr(0, nl);
        output.remove_prefix(nl == std::string_view::npos ? output.size() : nl + 1);
        if (line.empty())
            continue;
        auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!j.is_object() || !j.contains("queue_id") || !j["queue_id"].is_string() || !j.contains("sender") ||
            !j["sender"].is_string() || !j.contains("arrival_time") || !j["arrival_time"].is_number_integer()) {
            ++out.unreadable_lines;
            continue;
        }
        out.mails.push_back({j["queue_id"].get<std::string>(), j.value("queue_name", std::string()),
                             j["sender"].get<std::string>(), j["arrival_time"].get<std::int64_t>()});
    }
    return out;
}

std::vector<expired_uun> expired_uuns(const std::vector<queued_mail>& mails, std::string_view sender_domain,
                                      std::int64_t lifetime, std::int64_t now)
{
    std::vector<expired_uun> out;
    for (const auto& m : mails) {
        std::string id = appliance_of_sender(m.sender, sender_domain);
        if (id.empty() || m.arrival_time + lifetime >= now)
            continue;
        // Queue ids are [0-9A-Za-z]; anything else never reaches postsuper's stdin.
        bool plain = !m.queue_id.empty() && m.queue_id.size() <= 32;
        for (char c : m.queue_id)
            plain = plain && std::isalnum(static_cast<unsigned char>(c));
        if (plain)
            out.push_back({m, std::move(id), now - m.arrival_time - lifetime});
    }
    return out;
}

outcome<void> run_expire_queue(const cli_options&, const command_env& env)
{
    const auto& mta = env.config.mta;
    if (mta.relay_map.empty()) {
        env.out << "no mta section in " << env.config.path << ": this host hands no UUNs to an MTA\n";
        return {};
    }
    spawn_options listing_options;
    listing_options.output = spawn_options::output_mode::capture_stdout;
    listing_options.max_output = max_listing_bytes;
    auto listing_argv = mta.postqueue;
    listing_argv.push_back("-j");
    auto listed = spawn(listing_argv, listing_options);
    if (!listed)
        return fail_with(exit_code::mta, cat("mta.postqueue: ", listed.error().message));
    if (listed->exit_status != 0)
        return fail_with(exit_code::mta, cat("mta.postqueue: ", listing_argv.front(), " ", describe(*listed)));
    auto queue = parse_postqueue_json(listed->output);
    if (queue.unreadable_lines > 0)
        env.err << "uun-publish: warning: " << queue.unreadable_lines << " line(s) of postqueue -j not understood"
                << (listed->output.size() >= max_listing_bytes ? " (the listing was cut; run again)" : "") << "\n";
    auto expired = expired_uuns(queue.mails, env.config.publish.sender_domain,
                                env.config.publish.uun_lifetime.count(), env.clock.now());
    if (expired.empty()) {
        env.out << queue.mails.size() << " mail(s) in the queue, no UUN past its x=\n";
        return {};
    }
    std::string ids;
    for (const auto& e : expired)
        ids += e.mail.queue_id + "\n";
    spawn_options delete_options;
    delete_options.input = ids;
    auto delete_argv = mta.postsuper;
    delete_argv.insert(delete_argv.end(), {"-d", "-"});
    auto deleted = spawn(delete_argv, delete_options);
    if (!deleted)
        return fail_with(exit_code::mta, cat("mta.postsuper: ", deleted.error().message));
    if (deleted->exit_status != 0)
        return fail_with(exit_code::mta, cat("mta.postsuper: ", delete_argv.front(), " ", describe(*deleted)));
    for (const auto& e : expired) {
        std::string line = cat("removed queued UUN ", e.mail.queue_id, " for appliance ", e.appliance_id, " (",
                               e.mail.queue_name, "): ", e.past_expiry, " s past its x=");
        env.out << line << "\n";
        audit(env, line);
    }
    env.out << expired.size() << " of " << queue.mails.size() << " queued mail(s) removed: UUNs past their x=\n";
    return {};
}

}  // namespace uun::publish
