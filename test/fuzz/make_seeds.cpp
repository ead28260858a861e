// Writes the seeds of test/fuzz/corpus/<harness>/ that need a signature by
// the fixed keys, or are easiest built from the real formatters:
//   build-fuzz/test/fuzz/make_fuzz_seeds test/fuzz/corpus
// Run by hand when a format changes; exits 1 naming a file it cannot write.
#include "lib/proto/dsse.hpp"
#include "lib/proto/poll_messages.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/proto/timestamp_statement.hpp"
#include "lib/proto/update_entry.hpp"
#include "lib/proto/uun_header.hpp"
#include "lib/util/file_util.hpp"
#include "test/fuzz/fuzz_support.hpp"

#include <cstdio>
#include <string>

using namespace uun;
using fuzz::fixed_key;

namespace {

std::string out_dir;
bool failed = false;

void put(const std::string& harness, const std::string& name, const std::string& bytes)
{
    std::string path = out_dir + "/" + harness + "/" + name;
    if (auto ok = write_file_atomic(path, bytes, 0644); !ok) {
        std::fprintf(stderr, "make_fuzz_seeds: %s: %s\n", path.c_str(), ok.error().message.c_str());
        failed = true;
    }
}

proto::update_entry sample_entry()
{
    proto::update_entry e;
    e.seq = 7;
    e.id = "av-2026-12-03";
    e.channel = "av";
    e.channel_seq = 3;
    e.name = "av-defs.tar.gz";
    e.sha256 = std::string(64, 'a');
    e.size = 1234;
    e.urgent = true;
    e.published = fuzz::fixed_now - 60;
    e.target = *proto::parse_target_list("product=mg-5000,version>=3.2");
    return e;
}

nlohmann::json signed_root(std::uint64_t version, const std::vector<fixed_key>& signers)
{
    proto::root_metadata root = fuzz::fixed_root();
    root.version = version;
    nlohmann::json envelope = proto::root_envelope(root);
    for (auto k : signers)
        (void)proto::dsse_add_signature(envelope, proto::root_payload_type, fuzz::key(k));
    return envelope;
}

proto::timestamp_statement sample_statement()
{
    return proto::timestamp_statement{fuzz::fixed_now - 10, fuzz::fixed_now + 3600, 7, {{"av", 3}, {"sys", 12}}};
}

void header_seeds()
{
    proto::uun_claim c{"", 42, "av", fuzz::fixed_now - 60, fuzz::fixed_now + 3540, "CngAlZFyLMhIJcqV7n_6Ug", {}};
    put("uun_header", "signed-v1", proto::format_uun_header(proto::sign_uun(c, fuzz::key(fixed_key::publisher))));
    c.heads = {{"av", 3}, {"sys", 12}};
    put("uun_header", "signed-heads", proto::format_uun_header(proto::sign_uun(c, fuzz::key(fixed_key::publisher))));
}

void envelope_seeds()
{
    auto entry = proto::entry_payload(sample_entry());
    auto envelope = proto::dsse_sign(proto::update_payload_type, entry, fuzz::key(fixed_key::publisher));
    put("dsse", "entry", envelope.dump());
    (void)proto::dsse_add_signature(envelope, proto::update_payload_type, fuzz::key(fixed_key::root));
    put("dsse", "entry-two-signatures", envelope.dump());
    put("update_entry", "entry", entry);
    proto::update_entry v1 = sample_entry();
    v1.channel_seq = 0;
    v1.target.clear();
    put("update_entry", "entry-v1", proto::entry_payload(v1));
    put("poll_messages", "answer",
        nlohmann::json{{"entries", {envelope}}, {"more", false}, {"head_seq", 7}, {"poll_interval", 3600},
                       {"registered", true}, {"roots", {signed_root(2, {fixed_key::root})}},
                       {"timestamp", proto::sign_timestamp(sample_statement(), fuzz::key(fixed_key::timestamp))},
                       {"server_time", fuzz::fixed_now}}
            .dump());
}

void request_seeds()
{
    proto::poll_request p;
    p.id = "gw-0001";
    p.token = std::string(42, 'b') + "A";
    p.product = "mg-5000";
    p.version = "3.10.2";
    p.channels = {"av", "sys"};
    p.notify_recipient = "uun@gw-0001.example";
    p.last_seq = 6;
    p.reason = proto::poll_reason::urgent;
    put("poll_messages", "poll-v1", proto::poll_request_body(p));
    p.root_version = 1;
    p.positions = {{"av", 2}, {"sys", 12}};
    p.wanted = {7};
    put("poll_messages", "poll-root", proto::poll_request_body(p));
    proto::report_request r{"gw-0001", std::string(42, 'b') + "A", 7, proto::report_status::failed, "hook exited 3\n"};
    put("poll_messages", "report", proto::report_body(r));
}

void trust_seeds()
{
    put("root_metadata", "payload", proto::root_payload(fuzz::fixed_root()));
    put("root_metadata", "first-root", signed_root(1, {fixed_key::root}).dump());
    put("root_metadata", "next-root", signed_root(2, {fixed_key::root}).dump());
    auto statement = sample_statement();
    put("timestamp_statement", "payload", proto::timestamp_payload(statement));
    put("timestamp_statement", "signed", proto::sign_timestamp(statement, fuzz::key(fixed_key::timestamp)).dump());
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_fuzz_seeds CORPUS_DIR\n");
        return 2;
    }
    out_dir = argv[1];
    header_seeds();
    envelope_seeds();
    request_seeds();
    trust_seeds();
    return failed ? 1 : 0;
}
