// uun-keygen's command line (Boost.Program_options, like the other programs):
// NAME makes a key pair; --root-new, --root-sign and --root-show are the key
// ceremony's steps (root_commands.hpp). Exit codes are in keygen_help.
#include "lib/util/command_line.hpp"
#include "server/keygen/keygen.hpp"
#include "server/keygen/root_commands.hpp"

#include <boost/program_options.hpp>

#include <ctime>
#include <sstream>
#include <string_view>

namespace po = boost::program_options;

namespace uun::keygen {

namespace {

po::options_description visible_options()
{
    po::options_description d("Root options");
    d.add_options()
        ("root-new", po::value<std::string>()->value_name("OUT.json"), "write an unsigned root envelope")
        ("root-version", po::value<std::uint64_t>()->value_name("N"),
         "with --root-new: the root's version (1 for the first)")
        ("expires", po::value<std::string>()->value_name("WHEN"),
         "with --root-new: a duration from now (365d) or a UTC date (2027-12-31)")
        ("root-key", po::value<std::string>()->value_name("A.pub,.."), "root role's public keys")
        ("root-threshold", po::value<std::size_t>()->value_name("K"), "root keys that must sign (k of n)")
        ("publisher-key", po::value<std::string>()->value_name("P.pub,.."), "publisher role's keys (sign entries)")
        ("timestamp-key", po::value<std::string>()->value_name("T.pub,.."), "timestamp role's keys (uun-server)")
        ("notify-key", po::value<std::string>()->value_name("N.pub,.."), "notify role's keys (sign UUN headers)")
        ("root-sign", po::value<std::string>()->value_name("FILE.json"), "add --key's signature to FILE, in place")
        ("key", po::value<std::string>()->value_name("K.key"), "with --root-sign: the private key (PEM)")
        ("root-show", po::value<std::string>()->value_name("FILE.json"), "show FILE's roles and whether it verifies")
        ("previous", po::value<std::string>()->value_name("PREV.json"),
         "with --root-show: check FILE as the successor of PREV");
    add_help_version_options(d);
    return d;
}

const program_help keygen_help{
    "uun-keygen",
    {"NAME",
     "--root-new OUT.json --root-version N --expires WHEN --root-key A.pub,B.pub,C.pub\n"
     "             --root-threshold K --publisher-key P.pub --timestamp-key T.pub --notify-key N.pub",
     "--root-sign FILE.json --key K.key", "--root-show FILE.json [--previous PREV.json]", "-h | -V"},
    "NAME: writes NAME.key (Ed25519 private key, PEM, mode 0600) and NAME.pub (public key,\n"
    "PEM) and prints the key id. Refuses to overwrite either file. The --root options\n"
    "are the steps of the root key ceremony (doc/trust.md).",
    {"uun-keygen publisher          # publisher.key and publisher.pub",
     "uun-keygen --root-new 1.root.json --root-version 1 --expires 365d --root-key r1.pub,r2.pub,r3.pub \\\n"
     "             --root-threshold 2 --publisher-key publisher.pub --timestamp-key timestamp.pub \\\n"
     "             --notify-key notify.pub",
     "uun-keygen --root-sign 1.root.json --key r1.key   # once per root key holder",
     "uun-keygen --root-show 2.root.json --previous 1.root.json"},
    "  0  done (--root-show: it verifies)\n"
    "  1  --root-show: it does not verify\n"
    "  2  usage error\n"
    "  3  a file exists, cannot be read or written, or is not valid\n"};

std::vector<std::string> split_list(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i <= text.size()) {
        auto j = text.find(',', i);
        if (j == std::string::npos)
            j = text.size();
        if (j > i)
            out.push_back(text.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

const char* const root_new_only[] = {"expires", "root-key", "root-threshold", "publisher-key", "timestamp-key",
                                     "notify-key"};

result<root_new_request> read_root_new(const po::variables_map& vm)
{
    root_new_request r;
    r.out_path = vm["root-new"].as<std::string>();
    for (const char* needed : {"root-version", "expires", "root-key", "root-threshold", "publisher-key", "timestamp-key",
                               "notify-key"})
        if (!vm.count(needed))
            return fail(cat("--root-new needs --", needed));
    r.version = vm["root-version"].as<std::uint64_t>();
    if (r.version == 0)
        return fail("--root-version must be at least 1");
    auto expires = parse_expiry(vm["expires"].as<std::string>(), std::time(nullptr));
    if (!expires)
        return std::unexpected(expires.error());
    r.expires = *expires;
    r.root_threshold = vm["root-threshold"].as<std::size_t>();
    r.key_files[proto::role_name::root] = split_list(vm["root-key"].as<std::string>());
    r.key_files[proto::role_name::publisher] = split_list(vm["publisher-key"].as<std::string>());
    r.key_files[proto::role_name::timestamp] = split_list(vm["timestamp-key"].as<std::string>());
    r.key_files[proto::role_name::notify] = split_list(vm["notify-key"].as<std::string>());
    return r;
}

// Which command, and no option of another one.
result<std::string> pick_command(const po::variables_map& vm, std::size_t names)
{
    std::vector<std::string> given;
    for (const char* c : {"root-new", "root-sign", "root-show"})
        if (vm.count(c))
            given.push_back(c);
    if (given.size() + (names > 0 ? 1 : 0) != 1)
        return fail("give one NAME, or one of --root-new, --root-sign, --root-show");
    if (names > 1)
        return fail("give one NAME");
    std::string command = given.empty() ? "name" : given.front();
    for (const char* o : root_new_only)
        if (vm.count(o) && command != "root-new")
            return fail(cat("--", o, " goes with --root-new only"));
    if (vm.count("root-version") && command != "root-new")
        return fail("--root-version N goes with --root-new only");
    if (vm.count("key") && command != "root-sign")
        return fail("--key goes with --root-sign only");
    if (vm.count("previous") && command != "root-show")
        return fail("--previous goes with --root-show only");
    return command;
}

int run_command(const std::string& command, const po::variables_map& vm, const std::vector<std::string>& names,
                std::ostream& out, std::ostream& err)
{
    auto failed = [&](const error& e) {
        err << "uun-keygen: " << e.message << "\n";
        return 3;
    };
    if (command == "root-new") {
        auto request = read_root_new(vm);
        if (!request) {
            err << "uun-keygen: " << request.error().message << " (see --help)\n";
            return 2;
        }
        auto done = root_new(*request, out);
        return done ? 0 : failed(done.error());
    }
    if (command == "root-sign") {
        if (!vm.count("key")) {
            err << "uun-keygen: --root-sign needs --key (see --help)\n";
            return 2;
        }
        auto done = root_sign(vm["root-sign"].as<std::string>(), vm["key"].as<std::string>(), out);
        return done ? 0 : failed(done.error());
    }
    if (command == "root-show") {
        std::optional<std::string> previous;
        if (vm.count("previous"))
            previous = vm["previous"].as<std::string>();
        auto verdict = root_show(vm["root-show"].as<std::string>(), previous, std::time(nullptr), out);
        if (!verdict)
            return failed(verdict.error());
        return *verdict == root_verdict::verifies ? 0 : 1;
    }
    auto files = write_key_pair(names.front());
    if (!files)
        return failed(files.error());
    out << files->key_id << "\n";
    err << "uun-keygen: wrote " << files->private_path << " (private, mode 0600) and " << files->public_path
        << "; key id " << files->key_id << "\n";
    return 0;
}

}  // namespace

int run_keygen_cli(int argc, const char* const argv[], std::ostream& out, std::ostream& err)
{
    po::options_description hidden;
    hidden.add_options()("name", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(visible_options()).add(hidden);
    po::positional_options_description positional;
    positional.add("name", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        err << "uun-keygen: " << e.what() << " (see --help)\n";
        return 2;
    }
    // The root's number was once --version N: an old ceremony script must not get ours printed.
    if (given(vm, "version") && vm.count("root-new")) {
        err << "uun-keygen: --version is uun-keygen's own version; the root's number is --root-version N\n";
        return 2;
    }
    if (auto answered = answer_help_or_version(vm, keygen_help, visible_options(), out))
        return *answered;
    auto names = vm.count("name") ? vm["name"].as<std::vector<std::string>>() : std::vector<std::string>{};
    auto command = pick_command(vm, names.size());
    if (!command) {
        err << "uun-keygen: " << command.error().message << " (see --help)\n";
        return 2;
    }
    if (command == "name" && names.front().empty()) {
        err << "uun-keygen: NAME is empty (see --help)\n";
        return 2;
    }
    return run_command(*command, vm, names, out, err);
}

}  // namespace uun::keygen
