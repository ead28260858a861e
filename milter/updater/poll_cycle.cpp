// The poll cycle (see header). The order of checks matters: nothing from the
// answer is used before its signature verifies, and nothing unsigned (such
// as head_seq) ever moves last_seq.
#include "milter/updater/poll_cycle.hpp"

#include "lib/proto/appliance_key.hpp"
#include "lib/proto/dsse.hpp"
#include "lib/util/log.hpp"
#include "milter/updater/downloader.hpp"
#include "milter/updater/log_text.hpp"
#include "milter/updater/poll_protocol.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace uun::updater {

namespace {

std::string target_text(const std::vector<proto::target_selector>& target)
{
    std::string out;
    for (const auto& s : target)
        out += out.empty() ? proto::to_string(s) : "," + proto::to_string(s);
    return out.empty() ? "(every appliance)" : out;
}

std::string entry_text(const proto::update_entry& e)
{
    return cat("seq ", e.seq, " (", e.channel, "/", e.name, ", ", e.size, " bytes)");
}

}  // namespace

poll_cycle::poll_cycle(const updater_config& config, const proto::keyring& trusted, http_transport& transport,
                       const state_store& store, const uun::clock& clock)
    : config_(config), trusted_(trusted), transport_(transport), store_(store), clock_(clock), installer_(store)
{
}

poll_outcome poll_cycle::run(proto::poll_reason reason, updater_state& state, const std::string& token,
                             const std::vector<std::uint64_t>& wanted)
{
    if (root_)
        return run_root(reason, state, token, wanted);
    poll_outcome out;
    if (auto repaired = installer_.repair(state); !repaired) {
        log::error(cat("cannot repair an unfinished install: ", repaired.error().message));
        ++out.problems;
        return out;
    }
    bool more = true;
    while (more) {
        std::uint64_t before = state.last_seq;
        if (!poll_page(reason, state, token, out, more))
            return out;
        if (more && state.last_seq == before) {
            log::warning("the server says there is more, but its answer moved nothing forward; trying later");
            ++out.problems;
            return out;
        }
    }
    mark_complete(state, out);
    return out;
}

// A poll that went to its end: remembered, so the countdown starts from it.
void poll_cycle::mark_complete(updater_state& state, poll_outcome& out)
{
    out.complete = true;
    state.last_poll = clock_.now();
    if (auto saved = store_.save(state); !saved) {
        log::error(saved.error().message);
        ++out.problems;
        out.complete = false;
    }
}

std::optional<proto::poll_answer> poll_cycle::fetch(const std::string& body, proto::poll_reason reason,
                                                    poll_outcome& out)
{
    http_request request = api_request(std::string(proto::poll_path), body);
    buffer_sink sink(config_.max_answer_size);
    auto done = transport_.perform(request, sink);
    long status = sink.head().status;
    if (!done) {
        log::warning(cat("poll (", to_string(reason), ") failed: ", done.error().message));
        ++out.problems;
        return std::nullopt;
    }
    if (status != 200) {
        if (status == 503 || status == 429)
            out.retry_after = parse_retry_after(sink.head().retry_after, clock_.now());
        log::warning(cat("poll (", to_string(reason), ") failed: ", describe_error_answer(status, sink.body()),
                         out.retry_after ? cat("; Retry-After ", out.retry_after->count(), "s") : ""));
        ++out.problems;
        return std::nullopt;
    }
    if (!is_json_content_type(sink.head().content_type)) {
        log::warning(cat("poll (", to_string(reason), ") failed: the answer is '",
                         printable(sink.head().content_type, 60), "', not application/json: ",
                         printable(sink.body(), 80)));
        ++out.problems;
        return std::nullopt;
    }
    auto answer = proto::parse_poll_answer(sink.body(), config_.max_answer_size);
    if (!answer) {
        log::warning(cat("poll (", to_string(reason), ") failed: ", answer.error().message));
        ++out.problems;
        return std::nullopt;
    }
    if (answer->poll_interval)
        out.server_interval = answer->poll_interval;
    registered_ = answer->registered != false;
    if (!registered_)
        log::warning(cat("the server did not register this poll, so no urgent notifications come here: the id '",
                         config_.appliance.id, "' is held by another key, or this appliance's key ",
                         identity_ ? identity_->fingerprint : std::string("(unsigned poll)"),
                         " waits for the vendor's admission (uun-publish --accept)"));
    return std::move(*answer);
}

bool poll_cycle::poll_page(proto::poll_reason reason, updater_state& state, const std::string& token, poll_outcome& out,
                           bool& more)
{
    auto answer = fetch(poll_request_body(config_, token, state.last_seq, reason), reason, out);
    if (!answer)
        return false;
    more = answer->more;
    log::info(cat("poll (", to_string(reason), ", last_seq ", state.last_seq, "): ", answer->entries.size(),
                  " entries", answer->more ? ", more to come" : "",
                  answer->head_seq ? cat(", server head_seq ", *answer->head_seq) : ""));

    // Verify everything first; only signed content is looked at from here on.
    std::vector<proto::update_entry> entries;
    for (std::size_t i = 0; i < answer->entries.size(); ++i) {
        auto verified = proto::dsse_verify(answer->entries[i], proto::update_payload_type, trusted_);
        if (!verified) {
            log::warning(cat("entry ", i + 1, " of the answer refused: ", verified.error().message,
                             " (not installed; last_seq stays)"));
            ++out.problems;
            continue;
        }
        auto entry = proto::update_entry_from_json(verified->payload);
        if (!entry) {
            log::warning(cat("entry ", i + 1, " of the answer (signed by ", verified->key_id,
                             ") refused: ", entry.error().message));
            ++out.problems;
            continue;
        }
        entries.push_back(std::move(*entry));
    }
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    for (const auto& entry : entries) {
        out.answered.insert(entry.seq);
        if (handle_entry(entry, state, token, out) == step::stop)
            return false;
    }
    return true;
}

poll_cycle::step poll_cycle::handle_entry(const proto::update_entry& entry, updater_state& state,
                                          const std::string& token, poll_outcome& out)
{
    std::string what = entry_text(entry);
    if (entry.seq <= state.last_seq) {
        log::info(cat(what, ": already handled (last_seq ", state.last_seq, "); ignored"));
        return step::next;
    }
    const channel_config* channel = config_.channel(entry.channel);
    if (channel == nullptr) {
        log::info(cat(what, ": channel '", entry.channel, "' is not configured here; skipped"));
        ++out.skipped;
        return advance(state, entry, out) ? step::next : step::stop;
    }
    return apply(entry, *channel, state, token, out);
}

// Target, size, download, install: the same in both trust models.
poll_cycle::step poll_cycle::apply(const proto::update_entry& entry, const channel_config& ch, updater_state& state,
                                   const std::string& token, poll_outcome& out)
{
    std::string what = entry_text(entry);
    const channel_config* channel = &ch;
    if (!proto::target_matches(entry.target, config_.appliance)) {
        log::warning(cat(what, ": target ", target_text(entry.target), " does not match this appliance (",
                         config_.appliance.id, ", ", config_.appliance.product, " ", config_.appliance.version,
                         "); skipped"));
        ++out.skipped;
        return advance(state, entry, out) ? step::next : step::stop;
    }
    if (entry.size > channel->max_size) {
        std::string why = cat("size ", entry.size, " is over the channel's max_size of ", channel->max_size);
        log::error(cat(what, ": refused: ", why));
        ++out.problems;
        if (!advance(state, entry, out))
            return step::stop;
        report(token, entry.seq, false, why, out);
        return step::next;
    }

    auto download = download_payload(transport_, store_.partial_dir(), entry, clock_.now());
    if (download.status == download_status::transient) {
        log::warning(cat(what, ": download failed, trying later: ", download.detail));
        ++out.problems;
        if (download.retry_after)
            out.retry_after = download.retry_after;
        return step::stop;
    }
    if (download.status == download_status::mismatch) {
        // The entry is signed, so the update is real; only the server's copy
        // is wrong. Skipping it would lose the update: report it so the
        // vendor sees it, keep last_seq, and try again after a backoff.
        log::error(cat(what, ": not installed, trying later: ", download.detail));
        ++out.problems;
        forget_partial(entry);
        report(token, entry.seq, false, download.detail, out);
        return step::stop;
    }

    std::uint64_t position = root_ ? entry.channel_seq : 0;
    auto installed = installer_.install(*channel, download.path, entry.sha256, entry.seq, state, position);
    switch (installed.status) {
    case install_status::installed:
        log::info(cat(what, ": installed as ", channel->file));
        ++out.installed;
        forget_partial(entry);
        report(token, entry.seq, true, "", out);
        return step::next;
    case install_status::hook_failed:
        forget_partial(entry);
        return after_hook_failure(entry, installed.detail, state, token, out);
    case install_status::local_error:
        break;
    }
    log::error(cat(what, ": install failed, trying later: ", installed.detail));
    ++out.problems;
    return step::stop;
}

poll_cycle::step poll_cycle::after_hook_failure(const proto::update_entry& entry, const std::string& detail,
                                                updater_state& state, const std::string& token, poll_outcome& out)
{
    // A reload that fails once (a busy daemon, a full disk) must not lose
    // the update: the entry stays next in line and the poll ends, so the
    // countdown's backoff decides when it is tried again; after
    // max_hook_attempts it is given up, so one bad entry cannot stall the
    // channels for good. Every attempt is reported.
    std::string what = entry_text(entry);
    unsigned attempt = state.retry && state.retry->seq == entry.seq ? state.retry->attempts + 1 : 1;
    ++out.problems;
    if (attempt < max_hook_attempts) {
        state.retry = hook_retry{entry.seq, attempt};
        if (auto saved = store_.save(state); !saved)
            log::error(saved.error().message);
        std::string tries = cat("attempt ", attempt, " of ", max_hook_attempts, ", trying again after a backoff");
        log::error(cat(what, ": ", detail, "; the previous file is back in place; ", tries));
        report(token, entry.seq, false, cat(detail, " (", tries, ")"), out);
        return step::stop;
    }
    std::string gave_up = cat("gave up after ", attempt, " attempts");
    log::error(cat(what, ": ", detail, "; the previous file is back in place; ", gave_up,
                   ", the entry is skipped"));
    state.retry.reset();
    if (!advance(state, entry, out))
        return step::stop;
    report(token, entry.seq, false, cat(detail, " (", gave_up, ")"), out);
    return step::next;
}

bool poll_cycle::advance(updater_state& state, const proto::update_entry& entry, poll_outcome& out)
{
    updater_state was = state;
    if (root_) {
        auto& at = state.positions[entry.channel];
        at = std::max(at, entry.channel_seq);
        state.last_seq = std::max(state.last_seq, entry.seq);
    } else {
        state.last_seq = entry.seq;
    }
    if (auto saved = store_.save(state); !saved) {
        state = std::move(was);
        log::error(saved.error().message);
        ++out.problems;
        return false;
    }
    return true;
}

void poll_cycle::report(const std::string& token, std::uint64_t seq, bool installed, std::string_view detail,
                        poll_outcome& out)
{
    if (!registered_) {
        // The server holds no row for this appliance (it waits for admission): it would refuse the report.
        log::debug(cat("seq ", seq, " not reported: the server has not registered this appliance"));
        return;
    }
    http_request request = api_request(
        std::string(proto::report_path),
        report_body(config_, token, seq, installed ? proto::report_status::installed : proto::report_status::failed,
                    detail));
    buffer_sink sink(config_.max_answer_size);
    auto done = transport_.perform(request, sink);
    if (done && sink.head().status == 200)
        return;
    // The install itself stands; only the server's view is behind.
    log::warning(cat("report of seq ", seq, " not delivered: ",
                     done ? describe_error_answer(sink.head().status, sink.body()) : done.error().message));
    ++out.problems;
}

http_request poll_cycle::api_request(std::string path, std::string body) const
{
    http_request request{http_request::verb::post, http_request::purpose::api, std::move(path), std::move(body), 0, {}};
    if (identity_ == nullptr)
        return request;
    auto signature = proto::sign_request(identity_->key, request.path, request.body);
    request.headers.emplace_back(proto::appliance_header::key, std::move(signature.key));
    request.headers.emplace_back(proto::appliance_header::signature, std::move(signature.signature));
    if (request.path == proto::poll_path && !identity_->enrollment_secret.empty())
        request.headers.emplace_back(proto::appliance_header::enrollment, identity_->enrollment_secret);
    if (request.path == proto::poll_path && !identity_->certificate.empty())
        request.headers.emplace_back(proto::appliance_header::certificate, identity_->certificate);
    return request;
}

void poll_cycle::forget_partial(const proto::update_entry& entry)
{
    std::string path = cat(store_.partial_dir(), "/", entry.sha256);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        log::warning(cat(path, ": cannot remove: ", std::strerror(errno)));
}

}  // namespace uun::updater
