// --print-config [KEY] on top of Boost.Program_options (see header).
#include "lib/util/command_line.hpp"

namespace uun {

namespace po = boost::program_options;

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
    // A bool_switch is always in the map, defaulted when not given.
    bool asked = vm.count("print-config") != 0 && !vm["print-config"].defaulted();
    if (!print_key.empty() && !asked)
        throw po::error("'" + print_key + "': a KEY goes with --print-config only");
    return vm;
}

}  // namespace uun
