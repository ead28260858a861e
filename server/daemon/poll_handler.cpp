// POST /v1/poll (doc/protocol.md): validate, record the appliance in the
// registry (bound to its key, or for old rows its token; who may add a row
// is poll_admission.cpp's), select its entries and answer
// with the stored envelopes spliced in as they were signed. A new id is
// admitted only within registry.max_appliances and its address's share.
#include "lib/proto/identity.hpp"
#include "lib/proto/poll_messages.hpp"
#include "lib/util/digest.hpp"
#include "lib/util/log.hpp"
#include "server/daemon/api.hpp"

namespace uun::daemon {

namespace {

// The X-Forwarded-For fields, joined as one list.
std::string forwarded_for(const http_request& request)
{
    std::string out;
    auto [first, last] = request.equal_range("X-Forwarded-For");
    for (auto it = first; it != last; ++it) {
        if (!out.empty())
            out += ',';
        out.append(it->value().data(), it->value().size());
        if (out.size() > max_forwarded_for_bytes)
            break;  // choose_client_address refuses it
    }
    return out;
}

store::appliance_record record_of(proto::poll_request& p, std::string address)
{
    store::appliance_record a;
    a.id = std::move(p.id);
    a.address = std::move(address);
    a.notify_recipient = std::move(p.notify_recipient);
    a.notify_port = p.notify_port;
    a.product = std::move(p.product);
    a.version = std::move(p.version);
    a.channels = std::move(p.channels);
    a.last_seq = p.last_seq;
    a.last_reason = std::string(to_string(p.reason));
    return a;
}

// roots and timestamp: empty in a v1 answer, which then has neither field.
std::string poll_answer(const store::entry_batch& batch, std::uint64_t head_seq, std::int64_t interval, bool registered,
                        std::int64_t now, const std::vector<const std::string*>& roots, std::string_view timestamp)
{
    std::size_t size = 180 + timestamp.size();
    for (const auto& e : batch.entries)
        size += e.envelope.size() + 1;
    for (const auto* r : roots)
        size += r->size() + 1;
    std::string out;
    out.reserve(size);
    // "name": after { or , ; the names are the ones the updater parses.
    auto key = [&out](std::string_view name) {
        out += out.empty() ? "{\"" : ",\"";
        out += name;
        out += "\":";
    };
    key(proto::field::entries);
    out += '[';
    for (std::size_t i = 0; i < batch.entries.size(); ++i) {
        if (i != 0)
            out += ',';
        out += batch.entries[i].envelope;
    }
    out += ']';
    key(proto::field::more);
    out += batch.more ? "true" : "false";
    key(proto::field::head_seq);
    out += std::to_string(head_seq);
    key(proto::field::poll_interval);
    out += std::to_string(interval);
    key(proto::field::registered);
    out += registered ? "true" : "false";
    key(proto::field::server_time);
    out += std::to_string(now);
    if (!timestamp.empty()) {
        key(proto::field::roots);
        out += '[';
        for (std::size_t i = 0; i < roots.size(); ++i) {
            if (i != 0)
                out += ',';
            out += *roots[i];
        }
        out += ']';
        key(proto::field::timestamp);
        out += timestamp;
    }
    out += '}';
    return out;
}

// How often the registry's rows are counted anew, and how often "the
// registry is full" is logged while it stays full.
constexpr std::int64_t recount_seconds = 10;
constexpr std::int64_t full_log_seconds = 60;

}  // namespace

bool api::registry_full(std::int64_t now)
{
    std::int64_t rows = registry_rows_.load(std::memory_order_acquire);
    if (rows < 0 || now - rows_counted_at_.load(std::memory_order_acquire) >= recount_seconds) {
        if (auto counts = store_.counts()) {
            rows = static_cast<std::int64_t>(counts->appliances);
            registry_rows_.store(rows, std::memory_order_release);
            rows_counted_at_.store(now, std::memory_order_release);
        } else {
            log::warning(cat("cannot count the registry's rows: ", counts.error().message));
        }
    }
    return rows >= settings_.max_appliances;
}

std::optional<http_reply> api::refuse_registration(const store::appliance_record& appliance)
{
    auto existing = store_.find_appliance(appliance.id);
    if (!existing)
        return store_failure("poll: registry lookup", existing.error());
    if (*existing)
        return std::nullopt;  // known ids always poll, whatever the limits
    std::int64_t now = clock_.now();
    if (registry_full(now)) {
        metrics_.count_refusal(refusal::max_appliances);
        std::int64_t logged = full_logged_at_.load(std::memory_order_relaxed);
        if (now - logged >= full_log_seconds && full_logged_at_.compare_exchange_strong(logged, now))
            log::error(cat("the registry holds registry.max_appliances (", settings_.max_appliances,
                           ") appliances: new appliance ", appliance.id, " from ", appliance.address,
                           " refused (503); raise the limit or let the sweep remove stale rows"));
        auto r = error_reply(http::status::service_unavailable,
                             "the registry is full: no new appliances are accepted now");
        r.set(http::field::retry_after, std::to_string(settings_.poll_interval.count()));
        return r;
    }
    if (!settings_.per_address)
        return std::nullopt;
    auto address = parse_ip_address(appliance.address);
    if (!address)
        return std::nullopt;  // choose_client_address made it: cannot happen
    std::int64_t wait = settings_.per_address->take_registration(*address, address_table::clock_type::now());
    if (wait == 0)
        return std::nullopt;
    metrics_.count_refusal(refusal::new_registrations);
    if (settings_.debug)
        log::debug(cat("new appliance ", appliance.id, " from ", appliance.address,
                       " refused: the address has used its limits.per_address.new_registrations"));
    auto r = error_reply(http::status::too_many_requests,
                         cat("too many new appliances from ", appliance.address, "; try again in ", wait, " s"));
    r.set(http::field::retry_after, std::to_string(wait));
    return r;
}

struct api::trust_parts {
    std::shared_ptr<trust_service> trust;  // holds what `roots` points into, across a SIGHUP reload
    std::vector<const std::string*> roots;
    std::string timestamp;  // empty: a v1 answer
};

result<store::poll_exchange> api::exchange(const store::appliance_record& appliance, const store::poll_identity& who,
                                           const proto::poll_request& request, std::int64_t now, trust_parts& parts)
{
    // A v2 updater polling a server without roots gets a v1 answer: no
    // timestamp, which it reports, as it should.
    parts.trust = trust();
    if (request.root_version == 0 || !parts.trust)
        return store_.exchange_poll(appliance, who, now, settings_.max_entries);
    auto exchanged = store_.exchange_poll_v2(appliance, who, {request.positions, request.wanted}, now,
                                             settings_.max_entries);
    if (!exchanged)
        return exchanged;
    parts.roots = parts.trust->roots_after(request.root_version);
    auto statement = parts.trust->signer.statement_for(exchanged->heads, now);
    if (statement.signed_now)
        metrics_.count_timestamp_signed();
    parts.timestamp = std::move(statement.envelope);
    return exchanged;
}

http_reply api::poll(const http_request& request, const boost::asio::ip::address& peer)
{
    auto parsed = proto::parse_poll_request(request.body(), settings_.max_body);
    if (!parsed)
        return error_reply(http::status::bad_request, parsed.error().message);
    // Checked before the registry is touched: the vendor's MTA would deliver
    // such a UUN to itself or a vendor mailbox (issue 14, "Mail safety").
    if (auto why = proto::refused_recipient_reason(parsed->notify_recipient, settings_.vendor_domains); !why.empty())
        return error_reply(http::status::bad_request,
                           cat("'notify.recipient' ", parsed->notify_recipient, " is refused: ", why));
    auto address = choose_client_address(peer, forwarded_for(request), settings_.proxies);
    if (!address)
        return error_reply(http::status::bad_request, address.error().message);
    proto::poll_reason reason = parsed->reason;
    auto identified = identify(request, *parsed);
    if (auto* refused = std::get_if<http_reply>(&identified))
        return std::move(*refused);
    const auto& who = std::get<store::poll_identity>(identified);
    store::appliance_record appliance = record_of(*parsed, std::move(*address));
    if (auto refused = refuse_registration(appliance))
        return std::move(*refused);
    std::int64_t now = clock_.now();

    trust_parts trust;
    auto exchanged = exchange(appliance, who, *parsed, now, trust);
    if (!exchanged)
        return store_failure("poll transaction", exchanged.error());
    if (auto refused = unadmitted_reply(exchanged->registered, appliance, who, exchanged->before.has_value()))
        return std::move(*refused);
    bool registered = exchanged->registered == store::registration::recorded;
    const auto& batch = exchanged->batch;

    metrics_.count_poll(reason);
    const auto& old = exchanged->before;
    if (exchanged->registered == store::registration::pending) {
        // unadmitted_reply logged it; the entries go out, the registry is untouched.
    } else if (!registered) {
        metrics_.count_token_mismatch();
        log::warning(cat("poll for appliance ", appliance.id, " from ", appliance.address,
                         " carries a token that does not match its registry row; the row is kept"));
    } else if (!old) {
        metrics_.count_new_appliance();
        registry_rows_.fetch_add(1, std::memory_order_acq_rel);
        log::info(cat("new appliance ", appliance.id, " at ", appliance.address, ", notify ",
                      appliance.notify_recipient, " port ", appliance.notify_port, ", ", appliance.product, " ",
                      appliance.version));
    } else if (old->address != appliance.address || old->notify_recipient != appliance.notify_recipient ||
               old->notify_port != appliance.notify_port) {
        metrics_.count_moved_appliance();
        log::info(cat("appliance ", appliance.id, " moved from ", old->address, " (notify ", old->notify_recipient,
                      " port ", old->notify_port, ") to ", appliance.address, " (notify ",
                      appliance.notify_recipient, " port ", appliance.notify_port, ")"));
    }
    if (settings_.debug) {
        auto model = trust.timestamp.empty() ? std::string() : cat(" (v2, root v", parsed->root_version, ")");
        log::debug(cat("poll ", appliance.id, " from ", appliance.address, " ", to_string(reason), " after seq ",
                       appliance.last_seq, model, ": ", batch.entries.size(), " entries", batch.more ? " and more" : "",
                       registered ? "" : " (not registered)"));
    }
    return json_reply(http::status::ok, poll_answer(batch, exchanged->head_seq, settings_.poll_interval.count(),
                                                    registered, now, trust.roots, trust.timestamp));
}

}  // namespace uun::daemon
