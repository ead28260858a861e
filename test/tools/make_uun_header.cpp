// Test-only: prints the value of an X-UUN header signed with a private key,
// so the milter suites make valid (and deliberately stale or odd) headers at
// test time. Exits 2 with a message on bad arguments or an unreadable key.
//
//   make_uun_header --key KEY.pem --seq N --channel C
//                   [--issued T] [--expires T] [--nonce N] [--tamper-seq] [--heads av:3,sys:2]
#include "lib/proto/ed25519.hpp"
#include "lib/proto/uun_header.hpp"

#include <boost/program_options.hpp>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>

int main(int argc, char** argv)
{
    namespace po = boost::program_options;
    std::string key_path;
    std::string channel;
    std::string nonce;
    std::uint64_t seq = 0;
    std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    std::int64_t issued = now;
    std::int64_t expires = 0;
    bool tamper = false;
    std::string heads;
    po::options_description desc("usage: make_uun_header --key KEY.pem --seq N --channel C [options]");
    desc.add_options()("key", po::value(&key_path)->required(), "Ed25519 private key (PEM)")(
        "seq", po::value(&seq)->required(), "update sequence number")(
        "channel", po::value(&channel)->required(), "channel name")(
        "issued", po::value(&issued), "issue time, unix seconds (default now)")(
        "expires", po::value(&expires), "expiry, unix seconds (default issued + 3600)")(
        "nonce", po::value(&nonce), "base64url nonce (default random)")(
        "tamper-seq", po::bool_switch(&tamper), "sign, then add 1 to s= so the signature fails")(
        "heads", po::value(&heads), "h=: channel heads, e.g. av:3,sys:2 (default none)");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "make_uun_header: " << e.what() << "\n" << desc;
        return 2;
    }
    auto key = uun::proto::private_key::load(key_path);
    if (!key) {
        std::cerr << "make_uun_header: " << key.error().message << "\n";
        return 2;
    }
    uun::proto::uun_claim claim{.key_id = "",
                                .seq = seq,
                                .channel = channel,
                                .issued = issued,
                                .expires = vm.count("expires") ? expires : issued + 3600,
                                .nonce = nonce.empty() ? uun::proto::new_uun_nonce() : nonce};
    if (!heads.empty()) {
        auto parsed = uun::proto::parse_channel_heads(heads);
        if (!parsed) {
            std::cerr << "make_uun_header: --heads: " << parsed.error().message << "\n";
            return 2;
        }
        claim.heads = std::move(*parsed);
    }
    auto header = uun::proto::sign_uun(claim, *key);
    if (tamper)
        header.claim.seq += 1;
    std::cout << uun::proto::format_uun_header(header) << "\n";
    return 0;
}
