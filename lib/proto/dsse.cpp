// DSSE v1 sign and verify (see header). The envelope comes from the network:
// every field is type-checked and size-checked before use.
#include "lib/proto/dsse.hpp"

#include "lib/util/base64.hpp"

namespace uun::proto {

namespace {

constexpr std::size_t max_signatures = 8;

}  // namespace

std::string dsse_pae(std::string_view payload_type, std::string_view payload)
{
    return cat("DSSEv1 ", payload_type.size(), " ", payload_type, " ", payload.size(), " ", payload);
}

nlohmann::json dsse_sign(std::string_view payload_type, std::string_view payload, const private_key& key)
{
    std::string sig = key.sign(dsse_pae(payload_type, payload));
    return nlohmann::json{
        {"payloadType", std::string(payload_type)},
        {"payload", base64_encode(payload)},
        {"signatures", nlohmann::json::array({{{"keyid", key.id()}, {"sig", base64_encode(sig)}}})},
    };
}

result<dsse_verified> dsse_verify(const nlohmann::json& envelope, std::string_view expected_type,
                                  const keyring& trusted)
{
    if (!envelope.is_object())
        return fail("envelope is not a JSON object");
    auto type = envelope.find("payloadType");
    auto payload = envelope.find("payload");
    auto sigs = envelope.find("signatures");
    if (type == envelope.end() || !type->is_string() || payload == envelope.end() || !payload->is_string() ||
        sigs == envelope.end() || !sigs->is_array())
        return fail("envelope lacks payloadType, payload or signatures");
    if (type->get_ref<const std::string&>() != expected_type)
        return fail(cat("unexpected payload type '", type->get_ref<const std::string&>(), "'"));
    const auto& payload_b64 = payload->get_ref<const std::string&>();
    if (payload_b64.size() > max_envelope_payload_bytes * 4 / 3 + 4)
        return fail("envelope payload too large");
    auto body = base64_decode(payload_b64);
    if (!body)
        return fail("envelope payload is not base64");
    if (sigs->empty() || sigs->size() > max_signatures)
        return fail("envelope has no or too many signatures");

    std::string pae = dsse_pae(expected_type, *body);
    std::string seen_keys;
    for (const auto& s : *sigs) {
        if (!s.is_object())
            return fail("envelope signature is not an object");
        auto keyid = s.find("keyid");
        auto sig = s.find("sig");
        if (keyid == s.end() || !keyid->is_string() || sig == s.end() || !sig->is_string())
            return fail("envelope signature lacks keyid or sig");
        const auto& id = keyid->get_ref<const std::string&>();
        const public_key* key = trusted.find(id);
        if (key == nullptr) {
            seen_keys += seen_keys.empty() ? id.substr(0, 16) : "," + id.substr(0, 16);
            continue;
        }
        auto raw = base64_decode(sig->get_ref<const std::string&>());
        if (raw && key->verify(pae, *raw))
            return dsse_verified{std::move(*body), id};
        return fail(cat("signature by key ", id, " does not verify"));
    }
    return fail(cat("signed only by untrusted keys (", seen_keys, ")"));
}

}  // namespace uun::proto
