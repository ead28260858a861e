// Root metadata parsing, making and chain verification (see header). A root
// comes from the network too (the server serves the chain): every field is
// checked before a key in it is used.
#include "lib/proto/root_metadata.hpp"

#include "lib/proto/dsse.hpp"
#include "lib/util/base64.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/json_input.hpp"

#include <algorithm>
#include <set>

namespace uun::proto {

namespace {

std::optional<role_name> parse_role_name(std::string_view text)
{
    for (role_name r : all_roles)
        if (to_string(r) == text)
            return r;
    return std::nullopt;
}

// Every key belongs to one role: a timestamp key that could also sign entries
// would make the online server a publisher.
result<void> check_roles(const root_metadata& root)
{
    std::map<std::string, role_name> owner;
    for (role_name r : all_roles) {
        auto it = root.roles.find(r);
        if (it == root.roles.end())
            return fail(cat("root lacks the ", to_string(r), " role"));
        const trust_role& role = it->second;
        if (role.key_ids.empty() || role.key_ids.size() > max_role_keys)
            return fail(cat("root role ", to_string(r), " must list 1 to ", max_role_keys, " keys"));
        if (role.threshold < 1 || role.threshold > role.key_ids.size())
            return fail(cat("root role ", to_string(r), " has threshold ", role.threshold, " for ",
                            role.key_ids.size(), " keys"));
        for (const auto& id : role.key_ids) {
            if (!root.keys.contains(id))
                return fail(cat("root role ", to_string(r), " names key ", id, " that the root does not list"));
            auto [at, fresh] = owner.emplace(id, r);
            if (!fresh)
                return fail(cat("root key ", id, " is in both the ", to_string(at->second), " and the ",
                                to_string(r), " role; each role needs keys of its own"));
        }
    }
    if (root.version < 1)
        return fail("root version must be at least 1");
    return {};
}

result<trust_role> parse_role(const nlohmann::json& j, role_name name)
{
    if (!j.is_object())
        return fail(cat("root role ", to_string(name), " is not an object"));
    auto keys = j.find("keys");
    auto threshold = j.find("threshold");
    if (keys == j.end() || !keys->is_array() || threshold == j.end() || !threshold->is_number_unsigned())
        return fail(cat("root role ", to_string(name), " needs a list 'keys' and a number 'threshold'"));
    trust_role role;
    role.threshold = threshold->get<std::size_t>();
    if (keys->size() > max_role_keys)
        return fail(cat("root role ", to_string(name), " lists more than ", max_role_keys, " keys"));
    for (const auto& k : *keys) {
        if (!k.is_string())
            return fail(cat("root role ", to_string(name), " has a key id that is not a string"));
        role.key_ids.push_back(k.get<std::string>());
    }
    std::sort(role.key_ids.begin(), role.key_ids.end());
    if (std::adjacent_find(role.key_ids.begin(), role.key_ids.end()) != role.key_ids.end())
        return fail(cat("root role ", to_string(name), " lists a key twice"));
    return role;
}

result<void> parse_keys(const nlohmann::json& j, root_metadata& root)
{
    if (!j.is_object() || j.size() > max_root_keys)
        return fail(cat("root 'keys' must be an object of at most ", max_root_keys, " keys"));
    for (const auto& [id, value] : j.items()) {
        if (!value.is_string())
            return fail(cat("root key ", id, " is not a base64 string"));
        auto raw = base64_decode(value.get_ref<const std::string&>());
        if (!raw || raw->size() != 32)
            return fail(cat("root key ", id, " is not 32 bytes of base64"));
        if (key_id_of_raw(*raw) != id)
            return fail(cat("root key ", id, " has the id ", key_id_of_raw(*raw)));
        if (!public_key::from_raw(*raw))
            return fail(cat("root key ", id, " is not an Ed25519 public key"));
        root.keys.emplace(id, std::move(*raw));
    }
    return {};
}

}  // namespace

std::string_view to_string(role_name role)
{
    switch (role) {
    case role_name::root: return "root";
    case role_name::publisher: return "publisher";
    case role_name::timestamp: return "timestamp";
    case role_name::notify: return "notify";
    }
    return "?";
}

keyring root_metadata::keys_of(role_name name) const
{
    keyring ring;
    for (const auto& id : role(name).key_ids)
        if (auto key = public_key::from_raw(keys.at(id)))
            ring.add(std::move(*key));
    return ring;
}

result<root_metadata> make_root(const root_plan& plan)
{
    root_metadata root;
    root.version = plan.version;
    root.expires = plan.expires;
    for (role_name r : all_roles) {
        trust_role role;
        auto keys = plan.keys.find(r);
        if (keys != plan.keys.end())
            for (const auto& key : keys->second) {
                root.keys.emplace(key.id(), key.raw());
                role.key_ids.push_back(key.id());
            }
        std::sort(role.key_ids.begin(), role.key_ids.end());
        role.key_ids.erase(std::unique(role.key_ids.begin(), role.key_ids.end()), role.key_ids.end());
        auto threshold = plan.thresholds.find(r);
        role.threshold = threshold == plan.thresholds.end() ? 1 : threshold->second;
        root.roles.emplace(r, std::move(role));
    }
    if (auto ok = check_roles(root); !ok)
        return std::unexpected(ok.error());
    return root;
}

result<root_metadata> parse_root_payload(std::string_view text)
{
    auto parsed = parse_json_input(text, max_root_bytes);
    if (!parsed)
        return fail(cat("root: ", parsed.error().message));
    const nlohmann::json& j = *parsed;
    if (!j.is_object())
        return fail("root is not a JSON object");
    auto type = j.find("type");
    auto version = j.find("version");
    auto expires = j.find("expires");
    auto keys = j.find("keys");
    auto roles = j.find("roles");
    if (type == j.end() || *type != "uun-root")
        return fail("root lacks \"type\": \"uun-root\"");
    if (version == j.end() || !version->is_number_unsigned() || expires == j.end() || !expires->is_number_integer())
        return fail("root needs a number 'version' and a unix time 'expires'");
    if (keys == j.end() || roles == j.end() || !roles->is_object())
        return fail("root needs 'keys' and 'roles'");
    root_metadata root;
    root.version = version->get<std::uint64_t>();
    root.expires = expires->get<std::int64_t>();
    if (auto ok = parse_keys(*keys, root); !ok)
        return std::unexpected(ok.error());
    for (const auto& [name, value] : roles->items()) {
        auto role = parse_role_name(name);
        if (!role)
            return fail(cat("root names an unknown role '", name.substr(0, 32), "'"));
        auto parsed_role = parse_role(value, *role);
        if (!parsed_role)
            return std::unexpected(parsed_role.error());
        root.roles.emplace(*role, std::move(*parsed_role));
    }
    if (auto ok = check_roles(root); !ok)
        return std::unexpected(ok.error());
    return root;
}

std::string root_payload(const root_metadata& root)
{
    nlohmann::json keys = nlohmann::json::object();
    for (const auto& [id, raw] : root.keys)
        keys[id] = base64_encode(raw);
    nlohmann::json roles = nlohmann::json::object();
    for (const auto& [name, role] : root.roles)
        roles[std::string(to_string(name))] = {{"keys", role.key_ids}, {"threshold", role.threshold}};
    nlohmann::json j{{"type", "uun-root"}, {"version", root.version}, {"expires", root.expires},
                     {"keys", keys},       {"roles", roles}};
    return j.dump();
}

nlohmann::json root_envelope(const root_metadata& root)
{
    return nlohmann::json{{"payloadType", std::string(root_payload_type)},
                          {"payload", base64_encode(root_payload(root))},
                          {"signatures", nlohmann::json::array()}};
}

result<std::string> verify_by_role(const root_metadata& root, role_name role, const nlohmann::json& envelope,
                                   std::string_view payload_type)
{
    auto verified = dsse_verify_threshold(envelope, payload_type, root.keys_of(role), root.role(role).threshold);
    if (!verified)
        return fail(cat(to_string(role), " role of root v", root.version, ": ", verified.error().message));
    return std::move(verified->payload);
}

result<root_metadata> verify_first_root(const nlohmann::json& envelope)
{
    auto payload = dsse_unverified_payload(envelope, root_payload_type);
    if (!payload)
        return fail(cat("root: ", payload.error().message));
    auto root = parse_root_payload(*payload);
    if (!root)
        return std::unexpected(root.error());
    if (auto self = verify_by_role(*root, role_name::root, envelope, root_payload_type); !self)
        return fail(cat("root v", root->version, " is not signed by its own keys: ", self.error().message));
    return root;
}

result<root_metadata> verify_next_root(const root_metadata& trusted, const nlohmann::json& envelope)
{
    // The old root's keys first: nothing in an envelope they did not sign is
    // worth parsing.
    auto payload = verify_by_role(trusted, role_name::root, envelope, root_payload_type);
    if (!payload)
        return fail(cat("next root is not signed by the trusted root's keys: ", payload.error().message));
    auto next = parse_root_payload(*payload);
    if (!next)
        return std::unexpected(next.error());
    if (next->version != trusted.version + 1)
        return fail(cat("root v", next->version, " does not follow the trusted v", trusted.version));
    if (auto self = verify_by_role(*next, role_name::root, envelope, root_payload_type); !self)
        return fail(cat("root v", next->version, " is not signed by its own keys: ", self.error().message));
    return next;
}

root_chain_result follow_root_chain(const root_metadata& trusted, const std::vector<nlohmann::json>& newer)
{
    root_chain_result out{trusted, std::nullopt};
    for (const auto& envelope : newer) {
        auto payload = dsse_unverified_payload(envelope, root_payload_type);
        if (payload)
            if (auto peek = parse_root_payload(*payload); peek && peek->version <= out.newest.version)
                continue;  // one the appliance already follows
        auto next = verify_next_root(out.newest, envelope);
        if (!next) {
            out.stopped = next.error();
            break;
        }
        out.newest = std::move(*next);
    }
    return out;
}

result<nlohmann::json> load_root_envelope(const std::string& path)
{
    auto text = read_file(path, max_root_bytes * 2);
    if (!text)
        return std::unexpected(text.error());
    auto j = parse_json_input(*text, max_root_bytes * 2);
    if (!j)
        return fail(cat(path, ": ", j.error().message));
    return std::move(*j);
}

}  // namespace uun::proto
