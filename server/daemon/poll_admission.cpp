// Who a poll is and what the registry made of it (doc/protocol.md,
// "Appliance identity" and "Admission"): the request's signature checked
// against the key it names, the admission policy asked about a new id, and
// the answers for a poll the registry did not record.
#include "lib/proto/appliance_key.hpp"
#include "lib/proto/poll_messages.hpp"
#include "lib/util/digest.hpp"
#include "lib/util/log.hpp"
#include "server/daemon/api.hpp"

namespace uun::daemon {

std::variant<store::poll_identity, http_reply> api::identify(const http_request& request,
                                                             const proto::poll_request& poll) const
{
    std::string key, raw_key;
    auto key_header = request[proto::appliance_header::key];
    auto signature_header = request[proto::appliance_header::signature];
    if (!key_header.empty() || !signature_header.empty()) {
        auto proved = proto::verify_request(key_header, signature_header, proto::poll_path, request.body());
        if (!proved)
            return error_reply(http::status::unauthorized, cat("poll of appliance ", poll.id, ": ",
                                                               proved.error().message));
        key = std::string(key_header);
        raw_key = std::move(*proved);
    }
    auto decision = settings_.admits.admits_new({.id = poll.id,
                                                 .product = poll.product,
                                                 .secret = request[proto::appliance_header::enrollment],
                                                 .certificate = request[proto::appliance_header::certificate],
                                                 .raw_key = raw_key,
                                                 .now = clock_.now()});
    if (!decision.why_not.empty())
        log::debug(cat("appliance ", poll.id, " is not admitted at once: ", decision.why_not));
    return store::poll_identity(sha256_hex(poll.token), std::move(key), decision.admitted);
}

std::optional<http_reply> api::unadmitted_reply(store::registration outcome, const store::appliance_record& appliance,
                                                const store::poll_identity& who, bool known)
{
    using store::registration;
    switch (outcome) {
    case registration::recorded:
    case registration::token_mismatch:
        return std::nullopt;
    case registration::key_required:
        return error_reply(http::status::unauthorized,
                           known
                               ? cat("appliance ", appliance.id, " is bound to a key: its polls must be signed (",
                                     proto::appliance_header::key, ", ", proto::appliance_header::signature, ")")
                               : cat("registry.admission is ", settings_.admits.policy_name(),
                                     ": a new appliance signs its polls with its own key"));
    case registration::pending:
        log::info(cat("appliance ", appliance.id, " at ", appliance.address, " polls with key ",
                      proto::key_fingerprint_of_base64(who.key), ", which waits for admission (uun-publish --accept ", appliance.id,
                      "); it gets its entries but no UUNs"));
        return std::nullopt;
    case registration::rejected:
        return error_reply(http::status::forbidden, cat("key ", proto::key_fingerprint_of_base64(who.key), " of appliance ",
                                                        appliance.id, " was rejected by the vendor"));
    case registration::request_limit: {
        log::warning(cat("appliance ", appliance.id, " from ", appliance.address, ": a new key refused, the id has ",
                         store::max_requests_per_id, " admission requests already (uun-publish --pending)"));
        auto r = error_reply(http::status::too_many_requests,
                             cat("appliance ", appliance.id, " has ", store::max_requests_per_id,
                                 " keys waiting for admission already"));
        r.set(http::field::retry_after, std::to_string(settings_.poll_interval.count()));
        return r;
    }
    }
    return std::nullopt;
}

}  // namespace uun::daemon
