// uun-publish-testtool: test-only helper for the publish suites, never
// installed. register: puts appliances into the store as uun-server would
// after a poll (until uun-server exists). report: records an install report.
// check-mail: checks the X-UUN header of a mail file with lib's
// check_uun_header and prints what the suite compares. milter-root: writes a
// root envelope for the milter suites. Exit 0 ok, 1 failure, 2 usage.
#include "lib/proto/dsse.hpp"
#include "lib/proto/keyring.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/proto/uun_header.hpp"
#include "lib/util/digest.hpp"
#include "lib/util/file_util.hpp"
#include "server/settings/server_config.hpp"
#include "server/store/store.hpp"

#include <iostream>
#include <map>
#include <string>
#include <vector>

using namespace uun;

namespace {

constexpr std::uint64_t max_mail_file = 1 << 20;

using args = std::map<std::string, std::string>;

// --key value pairs after the subcommand; the last bare word is "file".
bool parse_args(int argc, char** argv, args& out)
{
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0 && i + 1 < argc)
            out[a.substr(2)] = argv[++i];
        else if (a.rfind("--", 0) != 0)
            out["file"] = a;
        else
            return false;
    }
    return true;
}

std::string need(const args& a, const std::string& key)
{
    auto it = a.find(key);
    if (it == a.end()) {
        std::cerr << "uun-publish-testtool: --" << key << " is required\n";
        std::exit(2);
    }
    return it->second;
}

std::string get(const args& a, const std::string& key, const std::string& fallback)
{
    auto it = a.find(key);
    return it == a.end() ? fallback : it->second;
}

std::unique_ptr<store::store> open_store(const args& a)
{
    auto config = settings::load_server_config(need(a, "config"), settings::config_purpose::publish);
    if (!config) {
        std::cerr << config.error().message << "\n";
        std::exit(1);
    }
    auto s = store::open_sqlite_store(config->store.sqlite);
    if (!s) {
        std::cerr << s.error().message << "\n";
        std::exit(1);
    }
    return std::move(*s);
}

std::vector<std::string> split(const std::string& s, char sep)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i <= s.size()) {
        auto j = s.find(sep, i);
        if (j == std::string::npos)
            j = s.size();
        if (j > i)
            out.push_back(s.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

// register --config C --id ID --address IP --recipient R [--port 25]
//   [--product P] [--version V] [--channels a,b] [--last-seen T] [--count N]
// With --count N, registers ID1..IDN, all at the same address.
int do_register(const args& a)
{
    auto store = open_store(a);
    store::appliance_record r;
    r.address = need(a, "address");
    r.notify_port = std::stoi(get(a, "port", "25"));
    r.product = get(a, "product", "mg-5000");
    r.version = get(a, "version", "3.2.1");
    r.channels = split(get(a, "channels", "av,sys"), ',');
    r.last_reason = "periodic";
    std::int64_t seen = std::stoll(get(a, "last-seen", std::to_string(std::time(nullptr))));
    std::string id = need(a, "id"), recipient = need(a, "recipient");
    int count = std::stoi(get(a, "count", "0"));
    for (int i = count == 0 ? 0 : 1; i <= count; ++i) {
        r.id = count == 0 ? id : id + std::to_string(i);
        r.notify_recipient = count == 0 ? recipient : cat(r.id, "+", recipient);
        auto done = store->record_poll(r, sha256_hex("token-of-" + r.id), seen);
        if (!done || *done != store::registration::recorded) {
            std::cerr << "cannot register " << r.id << (done ? ": token mismatch" : ": " + done.error().message)
                      << "\n";
            return 1;
        }
    }
    return 0;
}

// report --config C --id ID --seq N --status installed|failed [--detail D]
int do_report(const args& a)
{
    auto store = open_store(a);
    store::report_record r{need(a, "id"), std::stoull(need(a, "seq")), need(a, "status"), get(a, "detail", ""),
                           static_cast<std::int64_t>(std::time(nullptr))};
    if (auto done = store->record_report(r); !done) {
        std::cerr << done.error().message << "\n";
        return 1;
    }
    return 0;
}

// check-mail --public-key PUB FILE: prints "verdict", "seq", "channel", "to",
// "mail-from" (smtp-sink's X-Mail-Args), "uun-lines" and "longest-line".
int do_check_mail(const args& a)
{
    auto pub = proto::public_key::load(need(a, "public-key"));
    if (!pub) {
        std::cerr << pub.error().message << "\n";
        return 1;
    }
    proto::keyring ring;
    ring.add(*pub);
    auto text = read_file(need(a, "file"), max_mail_file);
    if (!text) {
        std::cerr << text.error().message << "\n";
        return 1;
    }
    // Header block: up to the first empty line; continuation lines start with white space.
    std::map<std::string, std::string> headers;
    std::string current;
    std::size_t longest = 0, uun_lines = 0;
    std::size_t pos = 0;
    while (pos < text->size()) {
        auto end = text->find('\n', pos);
        if (end == std::string::npos)
            end = text->size();
        std::string line = text->substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty())
            break;
        if ((line[0] == ' ' || line[0] == '\t') && !current.empty()) {
            headers[current] += "\n" + line;
        } else {
            auto colon = line.find(':');
            current = colon == std::string::npos ? "" : line.substr(0, colon);
            for (auto& ch : current)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (!current.empty() && !headers.contains(current))
                headers[current] = line.substr(colon + 1 + (line.size() > colon + 1 && line[colon + 1] == ' '));
        }
        if (current == "x-uun") {
            ++uun_lines;
            longest = std::max(longest, line.size());
        }
    }
    auto uun = headers.find("x-uun");
    if (uun == headers.end()) {
        std::cout << "verdict: missing\n";
        return 1;
    }
    auto check = proto::check_uun_header(uun->second, ring, std::time(nullptr), 300);
    std::cout << "verdict: " << proto::to_string(check.verdict) << "\n";
    if (check.header) {
        std::cout << "seq: " << check.header->claim.seq << "\n";
        std::cout << "channel: " << check.header->claim.channel << "\n";
        std::cout << "nonce: " << check.header->claim.nonce << "\n";
    }
    std::cout << "to: " << headers["to"] << "\n";
    std::cout << "mail-from: " << headers["x-mail-args"] << "\n";
    std::cout << "uun-lines: " << uun_lines << "\n";
    std::cout << "longest-uun-line: " << longest << "\n";
    return check.verdict == proto::uun_verdict::valid ? 0 : 1;
}

// milter-root --version N --root K --publisher K --timestamp K --notify K
//   [--expires T] [--sign-also K] --out FILE: one private key (PEM) per role,
// threshold 1; signed by the root key (and --sign-also, the old root key of
// a rotation). Default expiry: a day from now.
int do_milter_root(const args& a)
{
    proto::root_plan plan;
    plan.version = std::stoull(need(a, "version"));
    plan.expires = std::stoll(get(a, "expires", std::to_string(std::time(nullptr) + 86400)));
    std::vector<proto::private_key> signers;
    const std::pair<const char*, proto::role_name> roles[] = {{"root", proto::role_name::root},
                                                             {"publisher", proto::role_name::publisher},
                                                             {"timestamp", proto::role_name::timestamp},
                                                             {"notify", proto::role_name::notify}};
    for (const auto& [name, role] : roles) {
        auto key = proto::private_key::load(need(a, name));
        if (!key) {
            std::cerr << key.error().message << "\n";
            return 1;
        }
        plan.keys[role] = {key->public_part()};
        if (role == proto::role_name::root)
            signers.push_back(*key);
    }
    if (a.contains("sign-also")) {
        auto key = proto::private_key::load(need(a, "sign-also"));
        if (!key) {
            std::cerr << key.error().message << "\n";
            return 1;
        }
        signers.push_back(*key);
    }
    auto root = proto::make_root(plan);
    if (!root) {
        std::cerr << root.error().message << "\n";
        return 1;
    }
    auto envelope = proto::root_envelope(*root);
    for (const auto& key : signers)
        if (auto ok = proto::dsse_add_signature(envelope, proto::root_payload_type, key); !ok) {
            std::cerr << ok.error().message << "\n";
            return 1;
        }
    if (auto ok = write_file_atomic(need(a, "out"), envelope.dump(2) + "\n", 0644); !ok) {
        std::cerr << ok.error().message << "\n";
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    args a;
    if (argc < 2 || !parse_args(argc, argv, a)) {
        std::cerr << "usage: uun-publish-testtool register|report|check-mail|milter-root --key value...\n";
        return 2;
    }
    std::string what = argv[1];
    try {
        if (what == "register")
            return do_register(a);
        if (what == "report")
            return do_report(a);
        if (what == "check-mail")
            return do_check_mail(a);
        if (what == "milter-root")
            return do_milter_root(a);
    } catch (const std::exception& e) {  // std::stoi on a bad number
        std::cerr << "uun-publish-testtool: bad argument: " << e.what() << "\n";
        return 2;
    }
    std::cerr << "uun-publish-testtool: unknown command " << what << "\n";
    return 2;
}
