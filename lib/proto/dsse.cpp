// DSSE v1 sign and verify (see header). The envelope comes from the network:
// every field is type-checked and size-checked before use.
#include "lib/proto/dsse.hpp"

#include "lib/util/base64.hpp"

#include <algorithm>

namespace uun::proto {

namespace {

constexpr std::size_t max_signatures = 8;

struct envelope_parts {
    std::string payload;
    const nlohmann::json* signatures = nullptr;
};

result<envelope_parts> open_envelope(const nlohmann::json& envelope, std::string_view expected_type)
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
    if (sigs->size() > max_signatures)
        return fail("envelope has too many signatures");
    for (const auto& s : *sigs) {
        if (!s.is_object())
            return fail("envelope signature is not an object");
        auto keyid = s.find("keyid");
        auto sig = s.find("sig");
        if (keyid == s.end() || !keyid->is_string() || sig == s.end() || !sig->is_string())
            return fail("envelope signature lacks keyid or sig");
    }
    return envelope_parts{std::move(*body), &*sigs};
}

std::string joined(const std::vector<std::string>& ids)
{
    std::string out;
    for (const auto& id : ids)
        out += out.empty() ? id.substr(0, 16) : "," + id.substr(0, 16);
    return out;
}

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
    return dsse_verify_threshold(envelope, expected_type, trusted, 1);
}

result<dsse_verified> dsse_verify_threshold(const nlohmann::json& envelope, std::string_view expected_type,
                                            const keyring& trusted, std::size_t threshold)
{
    auto parts = open_envelope(envelope, expected_type);
    if (!parts)
        return std::unexpected(parts.error());
    if (parts->signatures->empty())
        return fail("envelope has no signatures");
    if (threshold == 0)
        return fail("a threshold of 0 accepts nothing");

    std::string pae = dsse_pae(expected_type, parts->payload);
    std::vector<std::string> good, bad, untrusted;
    for (const auto& s : *parts->signatures) {
        const auto& id = s.at("keyid").get_ref<const std::string&>();
        const public_key* key = trusted.find(id);
        if (key == nullptr) {
            untrusted.push_back(id);
            continue;
        }
        if (std::find(good.begin(), good.end(), id) != good.end())
            continue;  // one key counts once, however often it signed
        auto raw = base64_decode(s.at("sig").get_ref<const std::string&>());
        if (raw && key->verify(pae, *raw))
            good.push_back(id);
        else
            bad.push_back(id);
    }
    if (good.size() >= threshold)
        return dsse_verified{std::move(parts->payload), good.front(), good};
    if (threshold == 1 && !bad.empty())
        return fail(cat("signature by key ", bad.front(), " does not verify"));
    if (threshold == 1)
        return fail(cat("signed only by untrusted keys (", joined(untrusted), ")"));
    std::string why = cat("signed by ", good.size(), " of the ", threshold, " trusted keys needed");
    if (!good.empty())
        why += cat(" (", joined(good), ")");
    if (!bad.empty())
        why += cat("; signatures by ", joined(bad), " do not verify");
    return fail(why);
}

result<void> dsse_add_signature(nlohmann::json& envelope, std::string_view expected_type, const private_key& key)
{
    auto parts = open_envelope(envelope, expected_type);
    if (!parts)
        return std::unexpected(parts.error());
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& s : *parts->signatures)
        if (s.at("keyid").get_ref<const std::string&>() != key.id())
            kept.push_back(s);
    if (kept.size() >= max_signatures)
        return fail(cat("envelope already has ", max_signatures, " signatures"));
    std::string sig = key.sign(dsse_pae(expected_type, parts->payload));
    kept.push_back({{"keyid", key.id()}, {"sig", base64_encode(sig)}});
    envelope["signatures"] = std::move(kept);
    return {};
}

result<std::string> dsse_unverified_payload(const nlohmann::json& envelope, std::string_view expected_type)
{
    auto parts = open_envelope(envelope, expected_type);
    if (!parts)
        return std::unexpected(parts.error());
    return std::move(parts->payload);
}

}  // namespace uun::proto
