// A fake uun-server behind the http_transport interface, for unit tests
// only: it signs nothing itself (tests hand it envelopes), answers polls
// with the entries after last_seq, serves payloads with Range, records
// reports, and can be told to misbehave (cut downloads, garbage answers).
// A poll with root_version (root mode) gets the v2 answer: every entry past
// the channel's position, the wanted seqs, newer roots and the timestamp
// statement it was handed; `withheld` seqs are never served.
#pragma once

#include "lib/proto/dsse.hpp"
#include "lib/proto/ed25519.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/proto/update_entry.hpp"
#include "lib/util/digest.hpp"
#include "milter/updater/transport.hpp"

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace uun::test {

struct canned_response {
    long status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string retry_after;
    std::string content_range;
};

class fake_server final : public updater::http_transport {
public:
    // Entries served by /v1/poll, by seq.
    std::map<std::uint64_t, nlohmann::json> envelopes;
    std::map<std::string, std::string> payloads;  // sha256 -> bytes
    std::deque<canned_response> poll_script;      // when set, answers the next polls instead
    std::deque<canned_response> payload_script;   // the same for payload requests
    std::optional<std::uint64_t> poll_interval;
    std::size_t page_size = 64;
    std::optional<std::size_t> cut_downloads_after;  // deliver this many bytes, then fail the transfer
    bool ignore_range = false;
    long report_status = 200;
    // Root mode.
    std::vector<nlohmann::json> roots;        // served when newer than the poll's root_version
    std::optional<nlohmann::json> timestamp;  // served as is
    std::set<std::uint64_t> withheld;         // seqs a hostile server keeps back

    std::vector<updater::http_request> requests;
    std::vector<nlohmann::json> polls;    // parsed poll bodies
    std::vector<nlohmann::json> reports;  // parsed report bodies

    result<void> perform(const updater::http_request& request, updater::response_sink& sink) override
    {
        requests.push_back(request);
        if (request.path == "/v1/poll") {
            polls.push_back(nlohmann::json::parse(request.body));
            if (!poll_script.empty()) {
                auto r = poll_script.front();
                poll_script.pop_front();
                return deliver(r, sink, std::nullopt);
            }
            if (polls.back().contains("root_version"))
                return deliver(answer_root_poll(polls.back()), sink, std::nullopt);
            return deliver(answer_poll(polls.back().at("last_seq").get<std::uint64_t>()), sink, std::nullopt);
        }
        if (request.path == "/v1/report") {
            reports.push_back(nlohmann::json::parse(request.body));
            return deliver({report_status, "application/json", R"({"ok": true})", "", ""}, sink, std::nullopt);
        }
        if (request.path.starts_with("/v1/payloads/")) {
            if (!payload_script.empty()) {
                auto r = payload_script.front();
                payload_script.pop_front();
                return deliver(r, sink, std::nullopt);
            }
            auto it = payloads.find(request.path.substr(13));
            if (it == payloads.end())
                return deliver({404, "application/json", R"({"error": "unknown payload"})", "", ""}, sink,
                               std::nullopt);
            const std::string& bytes = it->second;
            if (request.range_from > 0 && !ignore_range) {
                if (request.range_from >= bytes.size())
                    return deliver({416, "application/json", R"({"error": "range"})", "", cat("bytes */", bytes.size())},
                                   sink, std::nullopt);
                return deliver({206, "application/octet-stream", bytes.substr(request.range_from), "",
                                cat("bytes ", request.range_from, "-", bytes.size() - 1, "/", bytes.size())},
                               sink, cut_downloads_after);
            }
            return deliver({200, "application/octet-stream", bytes, "", ""}, sink, cut_downloads_after);
        }
        return deliver({404, "application/json", R"({"error": "unknown path"})", "", ""}, sink, std::nullopt);
    }

    canned_response answer_poll(std::uint64_t last_seq) const
    {
        nlohmann::json entries = nlohmann::json::array();
        bool more = false;
        for (auto it = envelopes.upper_bound(last_seq); it != envelopes.end(); ++it) {
            if (entries.size() == page_size) {
                more = true;
                break;
            }
            entries.push_back(it->second);
        }
        nlohmann::json j = {{"entries", entries},
                            {"more", more},
                            {"head_seq", envelopes.empty() ? 0 : envelopes.rbegin()->first},
                            {"registered", true},
                            {"server_time", 1763900000}};
        if (poll_interval)
            j["poll_interval"] = *poll_interval;
        return {200, "application/json", j.dump(), "", ""};
    }

    // Like uun-server's v2 answer (doc/trust.md), read from the unverified payloads.
    canned_response answer_root_poll(const nlohmann::json& poll) const
    {
        nlohmann::json entries = nlohmann::json::array();
        std::set<std::uint64_t> wanted;
        for (const auto& seq : poll.at("wanted"))
            wanted.insert(seq.get<std::uint64_t>());
        bool more = false;
        for (const auto& [seq, envelope] : envelopes) {
            auto payload = proto::dsse_unverified_payload(envelope, proto::update_payload_type);
            if (!payload || withheld.contains(seq))
                continue;
            auto e = nlohmann::json::parse(*payload);
            std::uint64_t cseq = e.value("channel_seq", std::uint64_t{0});
            std::string channel = e.value("channel", "");
            const auto& positions = poll.at("positions");
            bool followed = positions.contains(channel);
            std::uint64_t at = followed ? positions.at(channel).get<std::uint64_t>() : 0;
            if (cseq == 0 || !((followed && cseq > at) || wanted.contains(seq)))
                continue;
            if (entries.size() == page_size) {
                more = true;
                break;
            }
            entries.push_back(envelope);
        }
        nlohmann::json newer = nlohmann::json::array();
        for (const auto& root : roots) {
            auto payload = proto::dsse_unverified_payload(root, proto::root_payload_type);
            if (payload && nlohmann::json::parse(*payload).at("version") > poll.at("root_version"))
                newer.push_back(root);
        }
        nlohmann::json j = {{"entries", entries}, {"more", more}, {"registered", true}, {"roots", newer}};
        if (timestamp)
            j["timestamp"] = *timestamp;
        return {200, "application/json", j.dump(), "", ""};
    }

    std::size_t count(const std::string& prefix) const
    {
        std::size_t n = 0;
        for (const auto& r : requests)
            n += r.path.starts_with(prefix) ? 1 : 0;
        return n;
    }

private:
    // Like curl: the head, then the body in pieces; a refusing sink aborts the transfer.
    static result<void> deliver(const canned_response& r, updater::response_sink& sink,
                                std::optional<std::size_t> cut_after)
    {
        updater::response_head head;
        head.status = r.status;
        head.content_type = r.content_type;
        head.retry_after = r.retry_after;
        head.content_range = r.content_range;
        head.content_length = r.body.size();
        if (auto ok = sink.on_head(head); !ok)
            return ok;
        std::string_view body = r.body;
        if (cut_after && *cut_after < body.size())
            body = body.substr(0, *cut_after);
        for (std::size_t at = 0; at < body.size(); at += 1000)
            if (auto ok = sink.on_body(body.substr(at, 1000)); !ok)
                return ok;
        if (cut_after && *cut_after < r.body.size())
            return fail("transfer closed with outstanding read data remaining");
        return {};
    }
};

}  // namespace uun::test
