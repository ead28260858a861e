// uun-test-seed: a test-only tool that fills a uun-server store the way
// uun-publish would (payload imported, entry signed and appended) and checks
// the envelopes in a poll answer. Used by test/integration/server_*.sh; it
// prints one line per result and exits 1 with a message on any failure.
//
//   uun-test-seed add --store DB --payloads DIR --key KEY.pem --channel CH --file PATH
//                     [--target "product=mg-5000,version>=3.2"] [--urgent] [--published UNIX]
//                     [--channel-seq N]   (a v2 entry: N signed in and stored in entries.channel_seq)
//       prints "<seq> <sha256> <size>"
//   uun-test-seed verify --pubkey PUB.pem < poll-answer.json
//       prints "<seq> <channel> <sha256>" per verified entry
#include "lib/proto/dsse.hpp"
#include "lib/proto/keyring.hpp"
#include "lib/proto/update_entry.hpp"
#include "lib/util/json_input.hpp"
#include "lib/util/sqlite.hpp"
#include "server/store/payload_dir.hpp"
#include "server/store/store.hpp"

#include <cstdio>
#include <ctime>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

using namespace uun;

namespace {

constexpr std::uint64_t max_test_payload = 64 << 20;
constexpr std::size_t max_answer_bytes = 16 << 20;

int die(const std::string& message)
{
    std::fprintf(stderr, "uun-test-seed: %s\n", message.c_str());
    return 1;
}

// --name value pairs and bare --flags.
std::map<std::string, std::string> options(int argc, char** argv, int from)
{
    std::map<std::string, std::string> out;
    for (int i = from; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--urgent")
            out[a] = "1";
        else if (i + 1 < argc)
            out[a] = argv[++i];
        else
            out[a] = "";
    }
    return out;
}

std::string base_name(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

int add(std::map<std::string, std::string> o)
{
    for (const char* need : {"--store", "--payloads", "--key", "--channel", "--file"})
        if (o[need].empty())
            return die(cat("add needs ", need));
    auto key = proto::private_key::load(o["--key"]);
    if (!key)
        return die(key.error().message);
    auto opened = store::open_sqlite_store(o["--store"]);
    if (!opened)
        return die(opened.error().message);
    auto info = store::payload_dir(o["--payloads"]).import(o["--file"], max_test_payload);
    if (!info)
        return die(info.error().message);
    proto::update_entry draft;
    draft.channel = o["--channel"];
    draft.name = base_name(o["--file"]);
    draft.sha256 = info->sha256;
    draft.size = info->size;
    draft.urgent = o.contains("--urgent");
    draft.published = o["--published"].empty() ? static_cast<std::int64_t>(std::time(nullptr))
                                               : std::stoll(o["--published"]);
    auto target = proto::parse_target_list(o["--target"]);
    if (!target)
        return die(target.error().message);
    draft.target = std::move(*target);
    std::uint64_t channel_seq = o["--channel-seq"].empty() ? 0 : std::stoull(o["--channel-seq"]);
    auto stored = (*opened)->append_entry(draft, [&](proto::update_entry e) -> result<std::string> {
        e.channel_seq = channel_seq;
        return proto::dsse_sign(proto::update_payload_type, proto::entry_payload(e), *key).dump();
    });
    if (!stored)
        return die(stored.error().message);
    // The store's append_entry knows no channel_seq (uun-publish's v2 append
    // does); the column is set the way that append would have.
    if (channel_seq != 0) {
        auto db = sqlite_db::open(o["--store"], "the store");
        auto st = db ? db->prepare("UPDATE entries SET channel_seq = ?1 WHERE seq = ?2") : std::unexpected(db.error());
        if (!st)
            return die(st.error().message);
        st->bind(1, static_cast<std::int64_t>(channel_seq)).bind(2, static_cast<std::int64_t>(stored->entry.seq));
        if (auto r = st->run(); !r)
            return die(r.error().message);
    }
    std::printf("%llu %s %llu\n", static_cast<unsigned long long>(stored->entry.seq), stored->entry.sha256.c_str(),
                static_cast<unsigned long long>(stored->entry.size));
    return 0;
}

int verify(std::map<std::string, std::string> o)
{
    if (o["--pubkey"].empty())
        return die("verify needs --pubkey");
    auto ring = proto::keyring::load({o["--pubkey"]});
    if (!ring)
        return die(ring.error().message);
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    auto answer = parse_json_input(text, max_answer_bytes);
    if (!answer)
        return die(answer.error().message);
    auto entries = answer->find("entries");
    if (!answer->is_object() || entries == answer->end() || !entries->is_array())
        return die("the answer has no entries list");
    for (const auto& envelope : *entries) {
        auto verified = proto::dsse_verify(envelope, proto::update_payload_type, *ring);
        if (!verified)
            return die(cat("envelope does not verify: ", verified.error().message));
        auto entry = proto::update_entry_from_json(verified->payload);
        if (!entry)
            return die(entry.error().message);
        std::printf("%llu %s %s\n", static_cast<unsigned long long>(entry->seq), entry->channel.c_str(),
                    entry->sha256.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    std::string command = argc > 1 ? argv[1] : "";
    if (command == "add")
        return add(options(argc, argv, 2));
    if (command == "verify")
        return verify(options(argc, argv, 2));
    return die("usage: uun-test-seed add|verify ... (see the comment at the top of test/tools/seed_tool.cpp)");
}
