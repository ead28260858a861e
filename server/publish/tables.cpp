// Table formatting (see header).
#include "server/publish/tables.hpp"

#include "lib/proto/appliance_key.hpp"

#include <algorithm>
#include <ctime>
#include <map>

namespace uun::publish {

namespace {

// A registry key as admins compare it; "token" for a row bound before keys.
std::string key_column(const std::string& base64_key)
{
    if (base64_key.empty())
        return "token";
    return proto::key_fingerprint_of_base64(base64_key);
}

std::string or_dash(const std::string& s)
{
    return s.empty() ? "-" : s;
}

bool starts_with(const std::string& s, std::string_view prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

const std::vector<std::string> status_columns{"APPLIANCE", "ADDRESS", "NOTIFIED", "RESULT",
                                              "FETCHED",   "STATUS",  "DETAIL"};
const std::vector<std::string> list_columns{"SEQ",      "ID",        "CHANNEL",        "URGENT",
                                            "PUBLISHED", "NOTIFIED",  "HANDOFF-FAILED", "FETCHED",
                                            "INSTALLED", "INSTALL-FAILED", "NAME"};
const std::vector<std::string> appliance_columns{"ID",       "ADDRESS",  "PORT",      "RECIPIENT",
                                                 "PRODUCT",  "VERSION",  "CHANNELS",  "LAST-SEQ",
                                                 "LAST-SEEN", "KEY",     "STATE"};
const std::vector<std::string> admission_columns{"ID",      "KEY",     "STATE",      "ADDRESS",
                                                 "PRODUCT", "VERSION", "FIRST-SEEN", "LAST-SEEN"};

// An empty result is still a table: its header, then why it is empty.
std::string empty_table(const std::vector<std::string>& columns, std::string_view why)
{
    return format_table(columns, {}) + "(" + std::string(why) + ")\n";
}

}  // namespace

std::string iso8601_utc(std::int64_t unix_seconds)
{
    if (unix_seconds == 0)
        return "-";
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows)
{
    std::vector<std::size_t> width(header.size(), 0);
    auto measure = [&width](const std::vector<std::string>& row) {
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    };
    measure(header);
    for (const auto& r : rows)
        measure(r);
    std::string out;
    auto emit = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size())
                line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line + "\n";
    };
    emit(header);
    for (const auto& r : rows)
        emit(r);
    return out;
}

std::string target_text(const std::vector<proto::target_selector>& target)
{
    if (target.empty())
        return "every appliance on the channel";
    std::string out;
    for (const auto& sel : target)
        out += (out.empty() ? "" : ",") + proto::to_string(sel);
    return out;
}

std::string status_report(const store::stored_entry& stored, const std::vector<store::appliance_progress>& progress,
                          const std::vector<store::notification_record>& notifications)
{
    const auto& e = stored.entry;
    std::string out = cat("entry ", e.seq, " (", e.id, "): channel ", e.channel, ", ",
                          e.urgent ? "urgent" : "not urgent", ", published ", iso8601_utc(e.published), "\n");
    out += cat("  name ", e.name, ", ", e.size, " bytes, sha256 ", e.sha256, "\n");
    out += cat("  target: ", target_text(e.target), "\n");
    auto c = count_progress(progress);
    out += cat("  ", progress.size(), " appliances: ", c.queued, " notified, ", c.handoff_failed,
               " hand-offs failed, ", c.fetched, " fetched, ", c.installed, " installed, ", c.install_failed,
               " failed to install\n");
    if (c.handing_off > 0)
        out += cat("  ", c.handing_off, " UUN(s) still 'handing off': a uun-publish stopped while handing them to the "
                                        "MTA (they may be queued); uun-publish --renotify ", e.seq, " sends them again\n");
    out += "\n";
    if (progress.empty())
        return out + empty_table(status_columns, "no appliance has been notified or has reported for this entry");

    std::map<std::string, const store::notification_record*> by_id;
    for (const auto& n : notifications)
        by_id[n.appliance_id] = &n;
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : progress) {
        auto n = by_id.find(p.appliance_id);
        std::string address = p.address;
        if (n != by_id.end())
            address = n->second->address.find(':') != std::string::npos
                          ? cat("[", n->second->address, "]:", n->second->port)
                          : cat(n->second->address, ":", n->second->port);
        rows.push_back({p.appliance_id, or_dash(address), iso8601_utc(p.notified_at), or_dash(p.notify_result),
                        iso8601_utc(p.fetched_at), or_dash(p.status), or_dash(p.detail)});
    }
    return out + format_table(status_columns, rows);
}

std::string empty_status_report()
{
    return "no entries published yet\n\n" + empty_table(status_columns, "no appliance has been notified");
}

entry_counts count_progress(const std::vector<store::appliance_progress>& progress)
{
    entry_counts c;
    for (const auto& p : progress) {
        if (p.notify_result == "queued")
            ++c.queued;
        else if (starts_with(p.notify_result, "failed"))
            ++c.handoff_failed;
        else if (p.notify_result == store::handing_off_result)
            ++c.handing_off;
        if (p.fetched_at != 0)
            ++c.fetched;
        if (p.status == "installed")
            ++c.installed;
        else if (p.status == "failed")
            ++c.install_failed;
    }
    return c;
}

std::string list_report(const std::vector<listed_entry>& entries)
{
    if (entries.empty())
        return empty_table(list_columns, "no entries published yet");
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : entries) {
        const auto& e = l.entry.entry;
        const auto& c = l.counts;
        rows.push_back({cat(e.seq), e.id, e.channel, e.urgent ? "yes" : "no", iso8601_utc(e.published),
                        cat(c.queued), cat(c.handoff_failed), cat(c.fetched), cat(c.installed),
                        cat(c.install_failed), e.name});
    }
    return format_table(list_columns, rows);
}

std::string appliances_report(const std::vector<store::appliance_record>& appliances, std::int64_t live_since)
{
    if (appliances.empty())
        return empty_table(appliance_columns, "no appliances registered");
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : appliances) {
        std::string channels;
        for (const auto& ch : a.channels)
            channels += (channels.empty() ? "" : ",") + ch;
        rows.push_back({a.id, a.address, cat(a.notify_port), a.notify_recipient, a.product, a.version,
                        or_dash(channels), cat(a.last_seq), iso8601_utc(a.last_seen),
                        key_column(a.key), a.last_seen >= live_since ? "live" : "expired"});
    }
    return format_table(appliance_columns, rows);
}

std::string admission_report(const std::vector<store::admission_request>& requests)
{
    if (requests.empty())
        return empty_table(admission_columns, "no appliance waits for admission");
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : requests) {
        const auto& a = r.appliance;
        rows.push_back({a.id, key_column(a.key), r.state, a.address, a.product, a.version, iso8601_utc(a.first_seen),
                        iso8601_utc(a.last_seen)});
    }
    return format_table(admission_columns, rows);
}

}  // namespace uun::publish
