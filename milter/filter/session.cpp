// The decisions (see header). The path of a mail without a UUN is a name
// comparison per header and one answer at end of headers: no allocation, no
// file I/O, no lock. Only a valid UUN takes the replay cache's lock.
#include "milter/filter/session.hpp"

#include "lib/proto/uun_header.hpp"
#include "lib/util/log.hpp"
#include "milter/filter/claim_sources.hpp"

namespace uun::filter {

namespace {

constexpr std::size_t max_queue_id_chars = 64;
constexpr std::size_t max_reply_chars = 200;

}  // namespace

std::string_view to_string(step s)
{
    switch (s) {
    case step::next:
        return "continue";
    case step::accept:
        return "accept";
    case step::discard:
        return "discard";
    case step::reject:
        return "reject";
    case step::tempfail:
        return "tempfail";
    case step::skip:
        return "skip";
    }
    return "?";
}

std::string safe_queue_id(const char* raw)
{
    std::string out;
    if (raw != nullptr)
        for (const char* p = raw; *p != '\0' && out.size() < max_queue_id_chars; ++p) {
            char c = *p;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                c == '-')
                out.push_back(c);
        }
    return out.empty() ? std::string("NOQUEUE") : out;
}

std::string safe_reply_text(std::string_view text)
{
    std::string out;
    for (char c : text) {
        if (out.size() >= max_reply_chars)
            break;
        if (c == '%')
            out += "%%";
        else if (c >= 0x20 && c <= 0x7e)
            out.push_back(c);
        else
            out.push_back('?');
    }
    return out;
}

void session::reset()
{
    phase_ = phase::headers;
    uun_headers_ = 0;
    uun_oversized_ = false;
    uun_value_.clear();  // clear() keeps the capacity for the next message
    marked_subjects_ = 0;
    subject_oversized_ = false;
    subject_claim_.clear();
    body_.clear();
}

step session::finish(step s)
{
    if (s != step::next && s != step::skip)
        reset();
    return s;
}

void session::header(std::string_view name, std::string_view value)
{
    const std::size_t limit = context_.config.max_header_bytes;
    if (equals_ignoring_case(name, proto::uun_header_name)) {
        if (++uun_headers_ == 1) {
            if (value.size() > limit)
                uun_oversized_ = true;
            else
                uun_value_.assign(value);
        }
        return;
    }
    if (!context_.config.reads_subject() || !equals_ignoring_case(name, "Subject"))
        return;
    auto claimed = subject_claim(value);
    if (!claimed)
        return;
    if (++marked_subjects_ == 1) {
        if (claimed->size() > limit)
            subject_oversized_ = true;
        else
            subject_claim_.assign(*claimed);
    }
}

step session::end_of_headers(mta_link& mta)
{
    if (phase_ != phase::headers)
        return step::next;  // a second end of headers: the first one decided
    if (uun_headers_ > 0)
        return finish(decide(mta, {.source = "X-UUN header",
                                   .value = uun_value_,
                                   .count = uun_headers_,
                                   .oversized = uun_oversized_}));
    const auto& config = context_.config;
    if (marked_subjects_ > 0) {
        // With both variants on, "[UUN] urgent update" announces a body token;
        // only text that starts like a tag list is a claim in the subject.
        bool tags_in_subject = subject_claim_.starts_with("v=");
        if (config.subject_marker && (tags_in_subject || !config.body_token))
            return finish(decide(mta, {.source = "Subject",
                                       .value = subject_claim_,
                                       .count = marked_subjects_,
                                       .oversized = subject_oversized_}));
        if (config.body_token) {
            phase_ = phase::body;
            return step::next;
        }
    }
    if (config.debug)
        log::debug(cat(safe_queue_id(mta.macro("{i}")), ": no UUN; accepted at end of headers"));
    return finish(step::accept);
}

step session::body(std::string_view chunk)
{
    if (phase_ != phase::body)
        return step::skip;  // a body nobody asked for
    std::size_t room = context_.config.max_body_bytes - body_.size();
    body_.append(chunk.substr(0, room));
    return body_.size() >= context_.config.max_body_bytes ? step::skip : step::next;
}

step session::end_of_message(mta_link& mta)
{
    if (phase_ == phase::headers) {
        // End of message without end of headers: decide on the headers now.
        if (step s = end_of_headers(mta); s != step::next)
            return s;
    }
    auto tokens = find_body_tokens(body_);
    if (tokens.count == 0)
        return finish(reject(mta, safe_queue_id(mta.macro("{i}")), "body",
                             cat("no UUN-Token line in the first ", context_.config.max_body_bytes,
                                 " bytes of a [UUN] mail")));
    return finish(decide(mta, {.source = "UUN-Token line",
                               .value = tokens.first,
                               .count = tokens.count,
                               .oversized = tokens.first.size() > context_.config.max_header_bytes}));
}

step session::reject(mta_link& mta, std::string_view queue_id, std::string_view source, std::string_view reason)
{
    log::warning(cat(queue_id, ": UUN in ", source, " rejected with 550 5.7.1: ", reason));
    mta.set_reply("550", "5.7.1", safe_reply_text(cat("Invalid UUN in ", source, ": ", reason)).c_str());
    return step::reject;
}

step session::decide(mta_link& mta, const claim& c)
{
    const auto& config = context_.config;
    std::string queue_id = safe_queue_id(mta.macro("{i}"));
    if (c.count > 1)
        return reject(mta, queue_id, c.source, cat("more than one ", c.source));
    if (c.oversized)
        return reject(mta, queue_id, c.source, cat(c.source, " longer than ", config.max_header_bytes, " bytes"));

    const std::int64_t now = context_.time.now();
    auto keys = context_.keys.current();  // held for this check; a new root swaps the source's copy
    auto check = proto::check_uun_header(c.value, *keys, now, config.clock_skew);
    if (check.verdict == proto::uun_verdict::not_yet_valid) {
        // Signed by a trusted key: this host's clock is probably behind. A
        // temporary failure lets the vendor's MTA retry; 550 would lose it.
        log::warning(cat(queue_id, ": UUN in ", c.source, " is signed but not valid yet (", check.reason,
                         "; is this host's clock behind?); answered 451 4.3.0 so the sender retries"));
        mta.set_reply("451", "4.3.0", "UUN not valid yet on this host (clock behind?), try again later");
        return step::tempfail;
    }
    if (check.verdict != proto::uun_verdict::valid && check.verdict != proto::uun_verdict::expired)
        return reject(mta, queue_id, c.source, check.reason);
    const proto::uun_claim& claim = check.header->claim;
    std::string what = cat(queue_id, ": UUN seq ", claim.seq, " channel ", claim.channel, " nonce ", claim.nonce);
    if (check.verdict == proto::uun_verdict::expired) {
        log::info(cat(what, " is stale (", check.reason, "); mail discarded without a trigger"));
        return step::discard;
    }

    trigger t{.seq = claim.seq,
              .channel = claim.channel,
              .nonce = claim.nonce,
              .queue_id = queue_id,
              .received = now,
              .heads = claim.heads};
    std::string written;
    bool spool_failed = false;
    auto admitted = context_.cache.admit(claim.nonce, claim.expires + config.clock_skew, [&]() -> result<void> {
        auto name = context_.spool.write(t);
        if (!name) {
            spool_failed = true;
            return std::unexpected(name.error());
        }
        written = std::move(*name);
        return {};
    });
    if (!admitted) {
        log::error(cat(what, " is valid but was not stored: ", admitted.error().message,
                       "; answered 451 4.3.0 so the sender retries"));
        const char* reason = spool_failed ? "UUN trigger cannot be written on this host, try again later"
                                          : "UUN replay cache unavailable on this host, try again later";
        mta.set_reply("451", "4.3.0", reason);
        return step::tempfail;
    }
    if (*admitted == admission::replayed) {
        log::warning(cat(what, " was seen before (replay); mail discarded without a trigger"));
        return step::discard;
    }
    log::info(cat(what, " is valid; mail discarded, trigger ", written, " written"));
    return step::discard;
}

}  // namespace uun::filter
