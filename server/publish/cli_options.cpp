// Command-line parsing (see header). Boost.Program_options reports errors by
// exception; they are caught here and become usage failures (exit 2).
#include "server/publish/cli_options.hpp"

#include "lib/proto/identity.hpp"
#include "lib/util/command_line.hpp"
#include "lib/util/config_print.hpp"
#include "lib/util/result.hpp"
#include "uun_build_config.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <sstream>

namespace po = boost::program_options;

namespace uun::publish {

std::string default_config_path()
{
    return std::string(UUN_SYSCONFDIR) + "/server.yaml";
}

namespace {

po::options_description visible_options()
{
    po::options_description d("Options");
    add_config_option(d, nullptr, "server.yaml");
    d.add_options()
        ("channel", po::value<std::string>()->value_name("C"), "publish FILE to channel C (one of publish.channels)")
        ("name", po::value<std::string>()->value_name("N"), "file name the entry carries (default: FILE's base name)")
        ("urgent", "mark the entry urgent and send a UUN to every affected appliance")
        ("target", po::value<std::string>()->value_name("LIST"),
         "only appliances matching every selector, e.g. product=mg-5000,version>=3.2")
        ("renotify", po::value<std::uint64_t>()->value_name("SEQ"),
         "send the UUNs of urgent entry SEQ again to affected appliances that have not installed it")
        ("wait", po::value<std::int64_t>()->value_name("SECONDS")->implicit_value(default_wait_seconds),
         "after notifying, show progress until every appliance reported (default 600 s)")
        ("status", po::value<std::vector<std::string>>()->value_name("[SEQ]")->multitoken()->zero_tokens(),
         "show entry SEQ (default: the newest) and what each appliance did")
        ("list", "show recent entries with their counts")
        ("limit", po::value<std::size_t>()->value_name("N"), "entries --list shows (default 20)")
        ("appliances", "show the registry of appliances")
        ("json", "with --status, --list, --appliances or --pending: one JSON document, for scripts")
        ("pending", "show the appliance keys waiting for admission (registry.admission)")
        ("expire-queue", "delete the UUNs past their x= from the local MTA's queue (uun-expire-queue.timer)")
        ("accept", po::value<std::string>()->value_name("ID"),
         "admit appliance ID's pending key: it gets UUNs from now on (a re-key if ID had another)")
        ("reject", po::value<std::string>()->value_name("ID"), "refuse appliance ID's pending keys for good")
        ("key", po::value<std::string>()->value_name("SHA256:..."),
         "with --accept or --reject: the key, as uun-updater --print-identity shows it")
        ("forget", po::value<std::string>()->value_name("ID"),
         "remove appliance ID's registry row and admission requests")
        ("print-config", config::print_config_help);
    add_help_version_options(d);
    return d;
}

}  // namespace

std::string_view exit_code_help()
{
    return "  0  done (with --wait: every appliance installed)\n"
           "  2  usage or server.yaml error\n"
           "  3  bad input: FILE missing, unreadable, empty or too large; unknown channel or seq;\n"
           "     bad --name or --target; publish.key or publish.notify_key unreadable;\n"
           "     publish.root not valid, or a key not in its role there\n"
           "  4  MTA: not ready (nothing published), or a hand-off failed (entry published;\n"
           "     failed UUNs recorded; retry with --renotify SEQ)\n"
           "  5  store or payload directory unusable; publish.counters unusable, or the\n"
           "     store's log beyond what this publisher signed (doc/trust.md)\n"
           "  6  --wait: time ran out, or an appliance reported a failed install\n";
}

const program_help& publish_help()
{
    static const program_help help{
        "uun-publish",
        {"[-c FILE] --channel C [--name N] [--urgent] [--target LIST] [--wait[=S]] FILE",
         "[-c FILE] --renotify SEQ [--wait[=S]]",
         "[-c FILE] --status [SEQ] | --list [--limit N] | --appliances | --pending   [--json]",
         "[-c FILE] --accept ID [--key FPR] | --reject ID [--key FPR] | --forget ID",
         "[-c FILE] --expire-queue   (every minute, from uun-expire-queue.timer)",
         "[-c FILE] --print-config [KEY]",
         "[-c FILE] --serve [REQUEST...]   (the server host's end of publish.remote)",
         "-h | -V"},
        "Signs FILE as the next entry of the update log and, with --urgent, mails a\n"
        "signed UUN through the local MTA to each affected appliance's recorded address.\n"
        "With publish.remote the log, the UUNs and the other commands are the server host's.",
        {"uun-publish --channel stable --urgent --wait sigs-2026-12-04.tar  # publish, notify, watch",
         "uun-publish --list                        # the newest entries and their counts",
         "uun-publish --status 42                   # what each appliance did with entry 42",
         "uun-publish --appliances --json | jq -r '.appliances[] | select(.state == \"expired\") | .id'",
         "uun-publish --pending                     # keys waiting for admission",
         "uun-publish --accept gw-0001 --key SHA256:...  # admit one"},
        exit_code_help()};
    return help;
}

std::string help_text()
{
    return format_help(publish_help(), visible_options());
}

namespace {

// The command line as Boost.Program_options reads it, or its complaint as a usage failure.
outcome<po::variables_map> parse_argv(int argc, const char* const argv[])
{
    po::options_description hidden;
    hidden.add_options()("file", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(visible_options()).add(hidden);
    po::positional_options_description positional;
    positional.add("file", -1);

    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        return fail_with(exit_code::usage, cat(e.what(), " (see --help)"));
    }
    return vm;
}

std::size_t query_commands(const po::variables_map& vm)
{
    return vm.count("renotify") + vm.count("status") + vm.count("list") + vm.count("appliances") +
           vm.count("pending") + vm.count("accept") + vm.count("reject") + vm.count("forget") +
           vm.count("expire-queue");
}

// --print-config [KEY]: the positional argument is the KEY, not a FILE.
outcome<void> read_print_config(const po::variables_map& vm, const std::vector<std::string>& files, cli_options& o)
{
    if (files.size() > 1 || query_commands(vm) > 0)
        return fail_with(exit_code::usage, "--print-config takes one KEY at most and no other command");
    o.what = command::print_config;
    o.print_key = files.empty() ? "" : files.front();
    return {};
}

// Exactly one command: FILE (publish) or one of the query options.
outcome<void> check_one_command(const po::variables_map& vm, const std::vector<std::string>& files)
{
    int commands = (files.empty() ? 0 : 1) + static_cast<int>(query_commands(vm));
    if (commands == 0)
        return fail_with(exit_code::usage, "nothing to do: give FILE, --renotify, --status, --list, --appliances, "
                                           "--pending, --accept, --reject, --forget or --expire-queue (see --help)");
    if (files.size() > 1)
        return fail_with(exit_code::usage, "give one FILE per publish");
    if (commands > 1)
        return fail_with(exit_code::usage, "give one of FILE, --renotify, --status, --list, --appliances, --pending, "
                                           "--accept, --reject, --forget, --expire-queue");
    return {};
}

// FILE given: publish it, with the options only publishing takes.
outcome<void> read_publish(const po::variables_map& vm, const std::string& file, cli_options& o)
{
    o.what = command::publish;
    o.file = file;
    if (o.file.empty())
        return fail_with(exit_code::usage, "FILE is empty");
    if (!vm.count("channel"))
        return fail_with(exit_code::usage, "publishing needs --channel");
    o.channel = vm["channel"].as<std::string>();
    if (vm.count("name"))
        o.name = vm["name"].as<std::string>();
    o.urgent = vm.count("urgent") > 0;
    if (vm.count("target"))
        o.target = vm["target"].as<std::string>();
    return {};
}

// --accept, --reject, --forget ID (and --key): false when none was given.
outcome<bool> read_admission(const po::variables_map& vm, cli_options& o)
{
    const std::pair<const char*, command> admission_commands[] = {
        {"accept", command::accept}, {"reject", command::reject}, {"forget", command::forget}};
    for (const auto& [name, what] : admission_commands) {
        if (!vm.count(name))
            continue;
        o.what = what;
        o.appliance = vm[name].as<std::string>();
        if (!proto::is_valid_appliance_id(o.appliance))
            return fail_with(exit_code::usage, cat("--", name, " '", o.appliance.substr(0, 64), "' is not an appliance id (",
                                                   proto::max_appliance_id_bytes, " of ", proto::appliance_id_chars,
                                                   ")"));
        if (vm.count("key")) {
            o.key_fingerprint = vm["key"].as<std::string>();
            // publish.remote carries no '/' (no paths travel): '_' stands in, as in base64url.
            std::replace(o.key_fingerprint.begin(), o.key_fingerprint.end(), '_', '/');
            if (!o.key_fingerprint.starts_with("SHA256:"))
                return fail_with(exit_code::usage, "--key takes a fingerprint as uun-updater --print-identity "
                                                   "shows it: SHA256:...");
        }
        return true;
    }
    return false;
}

// --status [SEQ]: 0 stands for the newest entry.
outcome<std::uint64_t> read_status_seq(const std::vector<std::string>& words)
{
    if (words.empty())
        return 0;
    if (words.size() > 1)
        return fail_with(exit_code::usage, "--status takes one SEQ at most");
    const std::string& w = words.front();
    std::uint64_t seq = 0;
    auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), seq);
    if (ec != std::errc{} || end != w.data() + w.size())
        return fail_with(exit_code::usage, cat("the argument ('", w.substr(0, 40), "') for option '--status' is invalid"));
    if (seq == 0)
        return fail_with(exit_code::usage, "SEQ starts at 1");
    return seq;
}

// No FILE: the one query command given, none of the publishing options.
outcome<void> read_query(const po::variables_map& vm, cli_options& o)
{
    for (const char* only_publish : {"channel", "name", "urgent", "target"})
        if (vm.count(only_publish))
            return fail_with(exit_code::usage, cat("--", only_publish, " goes with FILE only"));
    if (vm.count("renotify")) {
        o.what = command::renotify;
        o.seq = vm["renotify"].as<std::uint64_t>();
    } else if (vm.count("status")) {
        o.what = command::status;
        if (auto seq = read_status_seq(vm["status"].as<std::vector<std::string>>()); seq)
            o.seq = *seq;
        else
            return std::unexpected(seq.error());
    } else if (vm.count("list")) {
        o.what = command::list;
    } else if (vm.count("pending")) {
        o.what = command::pending;
    } else if (vm.count("expire-queue")) {
        o.what = command::expire_queue;
    } else if (auto one = read_admission(vm, o); one) {
        if (!*one)
            o.what = command::appliances;
    } else {
        return std::unexpected(one.error());
    }
    if (vm.count("key") && o.what != command::accept && o.what != command::reject)
        return fail_with(exit_code::usage, "--key goes with --accept or --reject only");
    if (o.what == command::renotify && o.seq == 0)
        return fail_with(exit_code::usage, "SEQ starts at 1");
    return {};
}

// --limit, --wait and --json, checked against the command they modify.
outcome<void> read_modifiers(const po::variables_map& vm, cli_options& o)
{
    if (vm.count("json")) {
        if (o.what != command::status && o.what != command::list && o.what != command::appliances &&
            o.what != command::pending)
            return fail_with(exit_code::usage, "--json goes with --status, --list, --appliances or --pending");
        o.json = true;
    }
    if (vm.count("limit")) {
        if (o.what != command::list)
            return fail_with(exit_code::usage, "--limit goes with --list only");
        o.limit = vm["limit"].as<std::size_t>();
        if (o.limit == 0 || o.limit > 10000)
            return fail_with(exit_code::usage, "--limit must be from 1 to 10000");
    }
    if (vm.count("wait")) {
        bool notifies = (o.what == command::publish && o.urgent) || o.what == command::renotify;
        if (!notifies)
            return fail_with(exit_code::usage, "--wait goes with --urgent or --renotify");
        o.wait_seconds = vm["wait"].as<std::int64_t>();
        if (*o.wait_seconds < 1 || *o.wait_seconds > max_wait_seconds)
            return fail_with(exit_code::usage, cat("--wait must be from 1 to ", max_wait_seconds, " seconds"));
    }
    return {};
}

}  // namespace

outcome<cli_options> parse_cli(int argc, const char* const argv[])
{
    auto vm = parse_argv(argc, argv);
    if (!vm)
        return std::unexpected(vm.error());

    cli_options o;
    o.config_path = vm->count("config") ? (*vm)["config"].as<std::string>() : default_config_path();
    if (given(*vm, "help")) {
        o.what = command::help;
        return o;
    }
    if (given(*vm, "version")) {
        o.what = command::version;
        return o;
    }
    std::vector<std::string> files = vm->count("file") ? (*vm)["file"].as<std::vector<std::string>>()
                                                       : std::vector<std::string>{};
    if (vm->count("print-config")) {
        if (auto r = read_print_config(*vm, files, o); !r)
            return std::unexpected(r.error());
        return o;
    }
    if (auto r = check_one_command(*vm, files); !r)
        return std::unexpected(r.error());
    if (auto r = files.empty() ? read_query(*vm, o) : read_publish(*vm, files.front(), o); !r)
        return std::unexpected(r.error());
    if (auto r = read_modifiers(*vm, o); !r)
        return std::unexpected(r.error());
    return o;
}

}  // namespace uun::publish
