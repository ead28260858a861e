// The command-line convention every uun program shares on top of
// Boost.Program_options: `--print-config [KEY]`, whose KEY is a positional
// argument allowed with --print-config only. Callers: the mains of uun-milter,
// uun-updater and uun-server. Errors are po::error, as the parser's own.
#pragma once

#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace uun {

// Parses `args` (without the program name) against `visible`, with one
// hidden positional KEY stored in `print_key`; throws po::error when a KEY
// comes without --print-config.
boost::program_options::variables_map parse_with_print_key(const std::vector<std::string>& args,
                                                           const boost::program_options::options_description& visible,
                                                           std::string& print_key);

}  // namespace uun
