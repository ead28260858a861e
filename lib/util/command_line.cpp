// The shared command-line convention (see header).
#include "lib/util/command_line.hpp"

#include "uun_build_config.hpp"

#include <sstream>

namespace uun {

namespace po = boost::program_options;

std::string format_help(const program_help& help, const po::options_description& options)
{
    std::ostringstream out;
    out << "Usage:\n";
    for (auto line : help.synopsis)
        out << "  " << help.program << (line.empty() ? "" : " ") << line << "\n";
    out << "\n" << help.summary << "\n\n" << options << "\nExamples:\n";
    for (auto line : help.examples)
        out << "  " << line << "\n";
    if (!help.exit_status.empty())
        out << "\nExit status:\n" << help.exit_status;
    return out.str();
}

std::string version_line(std::string_view program)
{
    return std::string(program) + " " + UUN_VERSION;
}

void add_config_option(po::options_description& d, std::string* path, std::string_view file_name)
{
    std::string fallback = std::string(UUN_SYSCONFDIR) + "/" + std::string(file_name);
    if (path && path->empty())
        *path = fallback;
    auto* value = path ? po::value(path) : po::value<std::string>();
    d.add_options()("config,c", value->value_name("FILE"), ("read FILE instead of " + fallback).c_str());
}

void add_foreground_option(po::options_description& d, bool* foreground)
{
    d.add_options()("foreground,f", po::bool_switch(foreground),
                    "stay in the foreground and log to stderr (else: detach and log to syslog, facility mail)");
}

void add_help_version_options(po::options_description& d)
{
    d.add_options()("help,h", po::bool_switch(), "show this help and exit")(
        "version,V", po::bool_switch(), "print the program's name and version and exit");
}

bool given(const po::variables_map& vm, const char* name)
{
    return vm.count(name) != 0 && !vm[name].defaulted();
}

std::optional<int> answer_help_or_version(const po::variables_map& vm, const program_help& help,
                                          const po::options_description& options, std::ostream& out)
{
    if (given(vm, "help")) {
        out << format_help(help, options);
        return 0;
    }
    if (given(vm, "version")) {
        out << version_line(help.program) << "\n";
        return 0;
    }
    return std::nullopt;
}

po::variables_map parse_with_print_key(const std::vector<std::string>& args, const po::options_description& visible,
                                       std::string& print_key)
{
    po::options_description hidden;
    hidden.add_options()("key", po::value(&print_key));
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description positional;
    positional.add("key", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (!print_key.empty() && !given(vm, "print-config"))
        throw po::error("'" + print_key + "': a KEY goes with --print-config only");
    return vm;
}

}  // namespace uun
