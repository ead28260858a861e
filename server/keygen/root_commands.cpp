// The root commands (see header). Signing shows the payload first so a
// holder sees what they sign; showing counts which keys' signatures verify
// so the ceremony can tell whose signature is still missing.
#include "server/keygen/root_commands.hpp"

#include "lib/proto/dsse.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/units.hpp"

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace uun::keygen {

namespace {

std::string utc_text(std::int64_t t)
{
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm {};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string joined(const std::vector<std::string>& ids)
{
    std::string out;
    for (const auto& id : ids)
        out += (out.empty() ? "" : " ") + id;
    return out;
}

void describe(const proto::root_metadata& root, std::int64_t now, std::ostream& out)
{
    out << "root v" << root.version << ", expires " << utc_text(root.expires)
        << (root.expired(now) ? " (EXPIRED)" : "") << "\n";
    for (auto role : proto::all_roles) {
        const auto& r = root.role(role);
        out << "  " << std::left << std::setw(10) << proto::to_string(role) << r.threshold << " of "
            << r.key_ids.size() << ": " << joined(r.key_ids) << "\n";
    }
}

struct loaded_root {
    nlohmann::json envelope;
    proto::root_metadata root;  // as the payload says, not verified
};

result<loaded_root> load_unverified(const std::string& path)
{
    auto envelope = proto::load_root_envelope(path);
    if (!envelope)
        return std::unexpected(envelope.error());
    auto payload = proto::dsse_unverified_payload(*envelope, proto::root_payload_type);
    if (!payload)
        return fail(cat(path, ": ", payload.error().message));
    auto root = proto::parse_root_payload(*payload);
    if (!root)
        return fail(cat(path, ": ", root.error().message));
    return loaded_root{std::move(*envelope), std::move(*root)};
}

// The keys of `root`'s root role whose signatures on envelope verify.
std::vector<std::string> root_signers(const nlohmann::json& envelope, const proto::root_metadata& root)
{
    auto v = proto::dsse_verify_threshold(envelope, proto::root_payload_type, root.keys_of(proto::role_name::root), 1);
    return v ? v->key_ids : std::vector<std::string>{};
}

void show_threshold(const char* whose, const nlohmann::json& envelope, const proto::root_metadata& by,
                    std::ostream& out)
{
    auto signers = root_signers(envelope, by);
    const auto& role = by.role(proto::role_name::root);
    out << "  " << whose << " (v" << by.version << ") root keys: " << signers.size() << " of " << role.key_ids.size()
        << " signed, threshold " << role.threshold << (signers.size() >= role.threshold ? ": met" : ": NOT met")
        << (signers.empty() ? "" : cat(" (", joined(signers), ")")) << "\n";
}

}  // namespace

result<std::int64_t> parse_expiry(const std::string& text, std::int64_t now)
{
    if (auto d = parse_duration(text); d && d->count() > 0)
        return now + d->count();
    std::tm tm {};
    for (const char* format : {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"}) {
        tm = {};
        std::istringstream in(text);
        in >> std::get_time(&tm, format);
        if (!in.fail() && in.peek() == std::char_traits<char>::eof()) {
            std::int64_t t = ::timegm(&tm);
            if (t <= now)
                return fail(cat("--expires ", text, " is in the past"));
            return t;
        }
    }
    return fail(cat("--expires '", text, "' is neither a duration (365d) nor a UTC date (2027-12-31 or "
                                         "2027-12-31T12:00:00Z)"));
}

result<void> root_new(const root_new_request& request, std::ostream& out)
{
    proto::root_plan plan;
    plan.version = request.version;
    plan.expires = request.expires;
    plan.thresholds[proto::role_name::root] = request.root_threshold;
    for (const auto& [role, files] : request.key_files)
        for (const auto& file : files) {
            auto key = proto::public_key::load(file);
            if (!key)
                return fail(cat(proto::to_string(role), " key: ", key.error().message));
            plan.keys[role].push_back(std::move(*key));
        }
    auto root = proto::make_root(plan);
    if (!root)
        return fail(cat("root not written: ", root.error().message));
    if (auto r = write_file_atomic(request.out_path, proto::root_envelope(*root).dump(2) + "\n", 0644, true); !r)
        return std::unexpected(r.error());
    describe(*root, std::time(nullptr), out);
    out << "wrote " << request.out_path << " (unsigned): each root key holder signs it with --root-sign\n";
    return {};
}

result<void> root_sign(const std::string& path, const std::string& key_file, std::ostream& out)
{
    auto loaded = load_unverified(path);
    if (!loaded)
        return std::unexpected(loaded.error());
    auto key = proto::private_key::load(key_file);
    if (!key)
        return std::unexpected(key.error());
    auto& envelope = loaded->envelope;
    if (auto r = proto::dsse_add_signature(envelope, proto::root_payload_type, *key); !r)
        return fail(cat(path, ": ", r.error().message));
    if (auto r = write_file_atomic(path, envelope.dump(2) + "\n", 0644); !r)
        return std::unexpected(r.error());
    describe(loaded->root, std::time(nullptr), out);
    const auto& ids = loaded->root.role(proto::role_name::root).key_ids;
    bool own = std::find(ids.begin(), ids.end(), key->id()) != ids.end();
    out << "signed " << path << " with key " << key->id()
        << (own ? cat(", a root key of v", loaded->root.version)
                : cat(", not a root key of v", loaded->root.version, ": it counts only as the previous version's"))
        << "; " << envelope["signatures"].size() << " signatures now\n";
    return {};
}

result<root_verdict> root_show(const std::string& path, const std::optional<std::string>& previous,
                               std::int64_t now, std::ostream& out)
{
    auto loaded = load_unverified(path);
    if (!loaded)
        return std::unexpected(loaded.error());
    describe(loaded->root, now, out);
    std::vector<std::string> sigs;
    for (const auto& s : loaded->envelope["signatures"])
        sigs.push_back(s.value("keyid", "?"));
    out << "signatures by: " << (sigs.empty() ? "none" : joined(sigs)) << "\n";
    if (!previous) {
        show_threshold("its own", loaded->envelope, loaded->root, out);
        auto v = proto::verify_first_root(loaded->envelope);
        out << (v ? "verifies as a first root\n" : cat("does not verify as a first root: ", v.error().message, "\n"));
        return v ? root_verdict::verifies : root_verdict::does_not_verify;
    }
    auto prev = load_unverified(*previous);
    if (!prev)
        return std::unexpected(prev.error());
    out << "previous: " << *previous << " (v" << prev->root.version << ", taken as trusted: check it with "
        << "--root-show on its own or against its predecessor)\n";
    show_threshold("the previous", loaded->envelope, prev->root, out);
    show_threshold("its own", loaded->envelope, loaded->root, out);
    auto v = proto::verify_next_root(prev->root, loaded->envelope);
    out << (v ? cat("verifies as the successor of v", prev->root.version, " (", *previous, ")\n")
              : cat("does not verify as the successor of v", prev->root.version, ": ", v.error().message, "\n"));
    return v ? root_verdict::verifies : root_verdict::does_not_verify;
}

}  // namespace uun::keygen
