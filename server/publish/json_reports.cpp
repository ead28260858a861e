// The --json documents (see header), built with nlohmann::json so every
// string from an appliance (ids, versions, details) is escaped as JSON wants.
#include "server/publish/json_reports.hpp"

#include "lib/proto/appliance_key.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace uun::publish {

namespace {

using nlohmann::json;

json time_or_null(std::int64_t unix_seconds)
{
    return unix_seconds == 0 ? json(nullptr) : json(iso8601_utc(unix_seconds));
}

json text_or_null(const std::string& s)
{
    return s.empty() ? json(nullptr) : json(s);
}

json counts_json(const entry_counts& c)
{
    return {{"notified", c.queued},   {"handoff_failed", c.handoff_failed}, {"handing_off", c.handing_off},
            {"fetched", c.fetched},   {"installed", c.installed},           {"install_failed", c.install_failed}};
}

json entry_json(const store::stored_entry& stored, const entry_counts& counts)
{
    const auto& e = stored.entry;
    json target = json::array();
    for (const auto& sel : e.target)
        target.push_back(proto::to_string(sel));
    return {{"seq", e.seq},
            {"id", e.id},
            {"channel", e.channel},
            {"channel_seq", e.channel_seq},
            {"name", e.name},
            {"size", e.size},
            {"sha256", e.sha256},
            {"urgent", e.urgent},
            {"published", time_or_null(e.published)},
            {"target", std::move(target)},
            {"counts", counts_json(counts)}};
}

json key_or_null(const std::string& base64_key)
{
    return base64_key.empty() ? json(nullptr) : json(proto::key_fingerprint_of_base64(base64_key));
}

std::string dump(const json& j)
{
    // Invalid UTF-8 from an appliance becomes U+FFFD instead of an exception.
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string status_json(const std::optional<store::stored_entry>& entry,
                        const std::vector<store::appliance_progress>& progress,
                        const std::vector<store::notification_record>& notifications)
{
    std::map<std::string, const store::notification_record*> by_id;
    for (const auto& n : notifications)
        by_id[n.appliance_id] = &n;
    json rows = json::array();
    for (const auto& p : progress) {
        auto n = by_id.find(p.appliance_id);
        bool notified = n != by_id.end();
        rows.push_back({{"id", p.appliance_id},
                        {"address", text_or_null(notified ? n->second->address : p.address)},
                        {"port", notified ? json(n->second->port) : json(nullptr)},
                        {"notified", time_or_null(p.notified_at)},
                        {"result", text_or_null(p.notify_result)},
                        {"fetched", time_or_null(p.fetched_at)},
                        {"status", text_or_null(p.status)},
                        {"detail", text_or_null(p.detail)},
                        {"reported", time_or_null(p.reported_at)}});
    }
    json doc = {{"entry", entry ? entry_json(*entry, count_progress(progress)) : json(nullptr)},
                {"appliances", std::move(rows)}};
    return dump(doc);
}

std::string list_json(const std::vector<listed_entry>& entries)
{
    json rows = json::array();
    for (const auto& l : entries)
        rows.push_back(entry_json(l.entry, l.counts));
    return dump(json{{"entries", std::move(rows)}});
}

std::string appliances_json(const std::vector<store::appliance_record>& appliances, std::int64_t live_since)
{
    json rows = json::array();
    for (const auto& a : appliances)
        rows.push_back({{"id", a.id},
                        {"address", a.address},
                        {"port", a.notify_port},
                        {"recipient", a.notify_recipient},
                        {"product", a.product},
                        {"version", a.version},
                        {"channels", a.channels},
                        {"last_seq", a.last_seq},
                        {"first_seen", time_or_null(a.first_seen)},
                        {"last_seen", time_or_null(a.last_seen)},
                        {"key", key_or_null(a.key)},
                        {"state", a.last_seen >= live_since ? "live" : "expired"}});
    return dump(json{{"appliances", std::move(rows)}});
}

std::string admission_json(const std::vector<store::admission_request>& requests)
{
    json rows = json::array();
    for (const auto& r : requests) {
        const auto& a = r.appliance;
        rows.push_back({{"id", a.id},
                        {"key", key_or_null(a.key)},
                        {"state", r.state},
                        {"address", a.address},
                        {"product", a.product},
                        {"version", a.version},
                        {"first_seen", time_or_null(a.first_seen)},
                        {"last_seen", time_or_null(a.last_seen)}});
    }
    return dump(json{{"requests", std::move(rows)}});
}

}  // namespace uun::publish
