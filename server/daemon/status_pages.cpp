// GET /metrics (Prometheus text) and GET / (a small HTML status page): the
// counters plus the store's registry size, log head and recent entries.
// A store failure still gives the page, without the store's figures.
#include "lib/util/log.hpp"
#include "server/daemon/api.hpp"

#include <ctime>

namespace uun::daemon {

namespace {

constexpr std::size_t status_page_entries = 20;

std::string html_escape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string utc_time(std::int64_t unix_seconds)
{
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

http_reply api::metrics_page()
{
    auto snapshot = metrics_.snapshot();
    if (auto counts = store_.counts()) {
        snapshot.registry_appliances = counts->appliances;
        snapshot.log_head_seq = counts->head_seq;
    } else {
        snapshot.store_ok = false;
        log::warning(cat("metrics without the store's figures: ", counts.error().message));
    }
    return text_reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8", format_metrics(snapshot));
}

http_reply api::status_page()
{
    auto counts = store_.counts();
    auto recent = store_.recent_entries(status_page_entries);
    auto snapshot = metrics_.snapshot();
    std::string page;
    page.reserve(4096);
    page += "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>uun-server</title></head><body>\n"
            "<h1>uun-server</h1>\n";
    if (counts) {
        page += cat("<p>Log head seq: <b>", counts->head_seq, "</b>. Entries: ", counts->entries,
                    ". Registered appliances: <b>", counts->appliances, "</b>. Notifications: ",
                    counts->notifications, ". Reports: ", counts->reports, ".</p>\n");
    } else {
        page += "<p>The store is unavailable.</p>\n";
        log::warning(cat("status page without the store's figures: ", counts.error().message));
    }
    page += cat("<p>Open connections: ", snapshot.open_connections, ". Polls: ", snapshot.polls_periodic,
                " periodic, ", snapshot.polls_urgent, " urgent. Busy answers (503): ",
                snapshot.overload_connections + snapshot.overload_inflight, ".</p>\n");
    if (recent) {
        page += "<h2>Recent entries</h2>\n<table border=\"1\" cellpadding=\"3\">\n"
                "<tr><th>seq</th><th>id</th><th>channel</th><th>name</th><th>size</th><th>urgent</th>"
                "<th>published (UTC)</th><th>target</th></tr>\n";
        for (const auto& s : *recent) {
            const auto& e = s.entry;
            std::string target;
            for (const auto& sel : e.target)
                target += (target.empty() ? "" : ", ") + proto::to_string(sel);
            page += cat("<tr><td>", e.seq, "</td><td>", html_escape(e.id), "</td><td>", html_escape(e.channel),
                        "</td><td>", html_escape(e.name), "</td><td>", e.size, "</td><td>", e.urgent ? "yes" : "no",
                        "</td><td>", utc_time(e.published), "</td><td>", html_escape(target.empty() ? "all" : target),
                        "</td></tr>\n");
        }
        page += "</table>\n";
    }
    page += "</body></html>\n";
    return text_reply(http::status::ok, "text/html; charset=utf-8", std::move(page));
}

}  // namespace uun::daemon
