// The command-line convention every uun program shares on top of
// Boost.Program_options, so the same words mean the same thing in all five:
// -h/--help (usage, options, examples, exit status), -V/--version, -c FILE,
// -f/--foreground, and `--print-config [KEY]`, whose KEY is a positional
// argument allowed with --print-config only. Callers: the command lines of
// uun-milter, uun-updater, uun-server, uun-publish and uun-keygen. Parse
// errors are po::error, as the parser's own.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace uun {

// What --help prints around the options table.
struct program_help {
    std::string_view program;                 // "uun-milter"
    std::vector<std::string_view> synopsis;   // each line after the program name
    std::string_view summary;                 // a paragraph: what the program does
    std::vector<std::string_view> examples;   // "COMMAND  # what it does"
    std::string_view exit_status;             // "  0  ...\n  2  ...\n"
};

std::string format_help(const program_help& help, const boost::program_options::options_description& options);

// "uun-milter 0.1.0", what -V and --version print.
std::string version_line(std::string_view program);

// -c FILE: "read FILE instead of <sysconfdir>/<file_name>"; the value lands
// in *path (set to that default first), or only in the variables_map when
// path is null.
void add_config_option(boost::program_options::options_description& d, std::string* path, std::string_view file_name);
void add_foreground_option(boost::program_options::options_description& d, bool* foreground);
// -h/--help and -V/--version, last in every table.
void add_help_version_options(boost::program_options::options_description& d);

// True when the option was on the command line (not merely defaulted), for
// switches, flags and valued options alike.
bool given(const boost::program_options::variables_map& vm, const char* name);

// --help or --version: print to out and return 0; otherwise nullopt.
std::optional<int> answer_help_or_version(const boost::program_options::variables_map& vm, const program_help& help,
                                          const boost::program_options::options_description& options,
                                          std::ostream& out);

// Parses `args` (without the program name) against `visible`, with one
// hidden positional KEY stored in `print_key`; throws po::error when a KEY
// comes without --print-config.
boost::program_options::variables_map parse_with_print_key(const std::vector<std::string>& args,
                                                           const boost::program_options::options_description& visible,
                                                           std::string& print_key);

}  // namespace uun
