// POST /v1/report (doc/protocol.md): an appliance says it installed an entry
// or failed to. Only the key (for an old row, the token) the appliance id is
// bound to may report.
#include "lib/proto/appliance_key.hpp"
#include "lib/proto/poll_messages.hpp"
#include "lib/util/digest.hpp"
#include "lib/util/log.hpp"
#include "server/daemon/api.hpp"

#include <algorithm>

namespace uun::daemon {

http_reply api::report(const http_request& request)
{
    auto parsed = proto::parse_report_request(request.body(), settings_.max_body);
    if (!parsed)
        return error_reply(http::status::bad_request, parsed.error().message);
    auto known = store_.find_appliance(parsed->id);
    if (!known)
        return store_failure("registry lookup", known.error());
    if (!*known)
        return error_reply(http::status::not_found,
                           cat("appliance ", parsed->id, " is not registered (or not admitted yet); poll first"));
    if (!(*known)->key.empty()) {
        // A row bound to a key takes reports signed by that key only.
        auto proved = proto::verify_request(request[proto::appliance_header::key],
                                            request[proto::appliance_header::signature], proto::report_path,
                                            request.body());
        if (!proved)
            return error_reply(http::status::unauthorized, cat("report of appliance ", parsed->id, ": ",
                                                               proved.error().message));
        if (request[proto::appliance_header::key] != (*known)->key)
            return error_reply(http::status::forbidden,
                               cat("the report is signed by another key than the one appliance ", parsed->id,
                                   " is bound to"));
    } else {
        auto matches = store_.token_matches(parsed->id, sha256_hex(parsed->token));
        if (!matches)
            return store_failure("registry lookup", matches.error());
        if (!*matches)
            return error_reply(http::status::forbidden,
                               cat("the token does not match the one appliance ", parsed->id, " is bound to"));
    }
    auto head = store_.head_seq();
    if (!head)
        return store_failure("log head", head.error());
    if (parsed->seq > *head)
        return error_reply(http::status::bad_request, cat("'seq' ", parsed->seq, " is past the log head ", *head));

    store::report_record r;
    r.appliance_id = parsed->id;
    r.seq = parsed->seq;
    r.status = std::string(to_string(parsed->status));
    r.detail = std::move(parsed->detail);
    r.at = clock_.now();
    if (auto ok = store_.record_report(r); !ok)
        return store_failure("recording a report", ok.error());
    if (settings_.debug) {
        std::string one_line = r.detail;
        std::replace_if(one_line.begin(), one_line.end(), [](char c) { return c == '\n' || c == '\t'; }, ' ');
        log::debug(cat("report ", r.appliance_id, " seq ", r.seq, ": ", r.status, one_line.empty() ? "" : ": ",
                       one_line));
    }
    return json_reply(http::status::ok, "{\"ok\":true}");
}

}  // namespace uun::daemon
