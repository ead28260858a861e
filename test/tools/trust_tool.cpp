// uun-test-trust: a test-only tool for the v2 trust model suites (never
// installed): makes and co-signs root files with lib/proto as uun-keygen will,
// and checks what a v2 poll answer carries as an updater would. One line per
// result on stdout; exit 1 with a message on any failure, 2 on usage.
//
//   uun-test-trust root-make --out FILE --version N --root K1,K2,K3 --root-threshold 2
//                  --publisher K --timestamp K --notify K [--expires UNIX]
//       (K: PEM private key files; their public halves go in the roles)
//   uun-test-trust root-sign --key K FILE        adds K's signature to FILE
//   uun-test-trust roots --trusted 1.root.json < answer.json
//       prints "root <version>" per root of the answer that follows the chain
//   uun-test-trust timestamp --root R.root.json < answer.json
//       prints "verdict fresh|expired|not_yet_valid", "lifetime S", "log_head N", "head CH N"
//   uun-test-trust entries --root R.root.json < answer.json
//       prints "<seq> <channel> <channel_seq>" per entry the publisher role signed
#include "lib/proto/dsse.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/proto/timestamp_statement.hpp"
#include "lib/proto/update_entry.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/json_input.hpp"

#include <cstdio>
#include <ctime>
#include <iostream>
#include <iterator>
#include <map>
#include <ranges>
#include <string>
#include <vector>

using namespace uun;

namespace {

constexpr std::size_t max_answer_bytes = 16 << 20;
using options = std::map<std::string, std::string>;

int die(const std::string& message)
{
    std::fprintf(stderr, "uun-test-trust: %s\n", message.c_str());
    return 1;
}

options parse(int argc, char** argv)
{
    options out;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a.starts_with("--") && i + 1 < argc)
            out[a.substr(2)] = argv[++i];
        else
            out["file"] = a;
    }
    return out;
}

std::vector<std::string> split(const std::string& s)
{
    std::vector<std::string> out;
    for (auto part : s | std::views::split(','))
        if (!part.empty())
            out.emplace_back(part.begin(), part.end());
    return out;
}

result<std::vector<proto::public_key>> publics(const std::string& list)
{
    std::vector<proto::public_key> out;
    for (const auto& path : split(list)) {
        auto key = proto::private_key::load(path);
        if (!key)
            return std::unexpected(key.error());
        out.push_back(key->public_part());
    }
    return out;
}

int root_make(options o)
{
    proto::root_plan plan;
    plan.version = std::stoull(o["version"]);
    plan.expires = o["expires"].empty() ? std::time(nullptr) + 365 * 86400 : std::stoll(o["expires"]);
    const std::pair<proto::role_name, const char*> roles[] = {{proto::role_name::root, "root"},
                                                              {proto::role_name::publisher, "publisher"},
                                                              {proto::role_name::timestamp, "timestamp"},
                                                              {proto::role_name::notify, "notify"}};
    for (const auto& [role, name] : roles) {
        auto keys = publics(o[name]);
        if (!keys)
            return die(keys.error().message);
        plan.keys[role] = std::move(*keys);
    }
    plan.thresholds[proto::role_name::root] = std::stoull(o["root-threshold"].empty() ? "1" : o["root-threshold"]);
    auto root = proto::make_root(plan);
    if (!root)
        return die(root.error().message);
    if (auto w = write_file_atomic(o["out"], proto::root_envelope(*root).dump()); !w)
        return die(w.error().message);
    return 0;
}

int root_sign(options o)
{
    auto key = proto::private_key::load(o["key"]);
    if (!key)
        return die(key.error().message);
    auto envelope = proto::load_root_envelope(o["file"]);
    if (!envelope)
        return die(envelope.error().message);
    if (auto r = proto::dsse_add_signature(*envelope, proto::root_payload_type, *key); !r)
        return die(r.error().message);
    if (auto w = write_file_atomic(o["file"], envelope->dump()); !w)
        return die(w.error().message);
    return 0;
}

result<nlohmann::json> read_answer()
{
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    auto answer = parse_json_input(text, max_answer_bytes);
    if (answer && !answer->is_object())
        return fail("the answer is not an object");
    return answer;
}

result<proto::root_metadata> trusted_root(const std::string& path)
{
    auto envelope = proto::load_root_envelope(path);
    if (!envelope)
        return std::unexpected(envelope.error());
    // The file is one the suite made; any version in it is taken as trusted.
    auto payload = proto::dsse_unverified_payload(*envelope, proto::root_payload_type);
    if (!payload)
        return std::unexpected(payload.error());
    return proto::parse_root_payload(*payload);
}

int roots(options o)
{
    auto first = proto::load_root_envelope(o["trusted"]);
    if (!first)
        return die(first.error().message);
    auto trusted = proto::verify_first_root(*first);
    auto answer = read_answer();
    if (!trusted || !answer)
        return die(!trusted ? trusted.error().message : answer.error().message);
    auto list = answer->value("roots", nlohmann::json::array());
    auto chain = proto::follow_root_chain(*trusted, std::vector<nlohmann::json>(list.begin(), list.end()));
    if (chain.stopped)
        return die(chain.stopped->message);
    // Every one verified in the chain above; only the version is read here.
    for (const auto& r : list) {
        auto payload = proto::dsse_unverified_payload(r, proto::root_payload_type);
        auto meta = payload ? proto::parse_root_payload(*payload) : std::unexpected(payload.error());
        if (!meta)
            return die(meta.error().message);
        std::printf("root %llu\n", static_cast<unsigned long long>(meta->version));
    }
    return 0;
}

int timestamp(options o)
{
    auto root = trusted_root(o["root"]);
    auto answer = read_answer();
    if (!root || !answer)
        return die(!root ? root.error().message : answer.error().message);
    if (!answer->contains("timestamp"))
        return die("the answer has no timestamp");
    auto checked = proto::verify_timestamp(*root, (*answer)["timestamp"], std::time(nullptr), 60);
    if (!checked)
        return die(checked.error().message);
    const char* verdict = checked->verdict == proto::timestamp_verdict::fresh     ? "fresh"
                          : checked->verdict == proto::timestamp_verdict::expired ? "expired"
                                                                                  : "not_yet_valid";
    const auto& s = checked->statement;
    std::printf("verdict %s\nlifetime %lld\nlog_head %llu\n", verdict, static_cast<long long>(s.expires - s.issued),
                static_cast<unsigned long long>(s.log_head));
    for (const auto& [channel, head] : s.heads)
        std::printf("head %s %llu\n", channel.c_str(), static_cast<unsigned long long>(head));
    return 0;
}

int entries(options o)
{
    auto root = trusted_root(o["root"]);
    auto answer = read_answer();
    if (!root || !answer)
        return die(!root ? root.error().message : answer.error().message);
    for (const auto& envelope : answer->value("entries", nlohmann::json::array())) {
        auto payload = proto::verify_by_role(*root, proto::role_name::publisher, envelope, proto::update_payload_type);
        if (!payload)
            return die(cat("entry does not verify: ", payload.error().message));
        auto e = proto::update_entry_from_json(*payload);
        if (!e)
            return die(e.error().message);
        std::printf("%llu %s %llu\n", static_cast<unsigned long long>(e->seq), e->channel.c_str(),
                    static_cast<unsigned long long>(e->channel_seq));
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    std::string command = argc > 1 ? argv[1] : "";
    try {
        auto o = parse(argc, argv);
        if (command == "root-make")
            return root_make(o);
        if (command == "root-sign")
            return root_sign(o);
        if (command == "roots")
            return roots(o);
        if (command == "timestamp")
            return timestamp(o);
        if (command == "entries")
            return entries(o);
    } catch (const std::exception& e) {  // std::stoull on a bad number
        std::fprintf(stderr, "uun-test-trust: bad argument: %s\n", e.what());
        return 2;
    }
    std::fprintf(stderr, "uun-test-trust: usage: root-make|root-sign|roots|timestamp|entries (see the top of "
                         "test/tools/trust_tool.cpp)\n");
    return 2;
}
