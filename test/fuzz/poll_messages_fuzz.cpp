// libFuzzer harness: the bodies of POST /v1/poll and /v1/report (from anyone
// who reaches uun-server) and the poll answer (from the server, to the
// updater). Parsing never crashes; a request that parses must come back the
// same from the body the updater would send for it.
#include "lib/proto/poll_messages.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstddef>
#include <cstdint>

using namespace uun;

namespace {

constexpr std::size_t max_body = 64 * 1024;  // the server's default request limit is smaller

void poll_request(std::string_view text)
{
    auto p = proto::parse_poll_request(text, max_body);
    if (!p)
        return;
    auto q = proto::parse_poll_request(proto::poll_request_body(*p), max_body);
    fuzz::require(q.has_value(), "a poll body built from a parsed poll does not parse");
    fuzz::require(q->id == p->id && q->token == p->token && q->product == p->product && q->version == p->version &&
                      q->channels == p->channels && q->notify_recipient == p->notify_recipient &&
                      q->notify_port == p->notify_port && q->last_seq == p->last_seq && q->reason == p->reason &&
                      q->root_version == p->root_version,
                  "a poll does not survive poll_request_body then parse");
    // Without a root_version the body leaves the trust fields out (a v1 poll).
    if (p->root_version != 0)
        fuzz::require(q->positions == p->positions && q->wanted == p->wanted, "positions or wanted changed");
}

void report_request(std::string_view text)
{
    auto r = proto::parse_report_request(text, max_body);
    if (!r)
        return;
    auto s = proto::parse_report_request(proto::report_body(*r), max_body);
    fuzz::require(s.has_value(), "a report body built from a parsed report does not parse");
    fuzz::require(s->id == r->id && s->token == r->token && s->seq == r->seq && s->status == r->status &&
                      s->detail == r->detail,
                  "a report does not survive report_body then parse");
}

void poll_answer(std::string_view text)
{
    auto a = proto::parse_poll_answer(text, max_body);
    if (!a)
        return;
    fuzz::require(a->entries.size() <= proto::max_answer_entries, "more entries than the limit");
    fuzz::require(a->roots.size() <= proto::max_answer_roots, "more roots than the limit");
    if (a->poll_interval)
        fuzz::require(a->poll_interval->count() > 0 &&
                          static_cast<std::uint64_t>(a->poll_interval->count()) <= proto::max_answer_interval,
                      "poll_interval out of range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text = fuzz::as_text(data, size);
    poll_request(text);
    report_request(text);
    poll_answer(text);
    return 0;
}
