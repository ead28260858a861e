// Option parsing with Boost.Program_options (see header).
#include "server/daemon/command_line.hpp"

#include "lib/util/command_line.hpp"
#include "lib/util/config_print.hpp"

#include <boost/program_options.hpp>

#include <sstream>

namespace uun::daemon {

namespace po = boost::program_options;

namespace {

po::options_description options(command_line& c)
{
    po::options_description d("Options");
    d.add_options()
        ("config,c", po::value(&c.config)->value_name("FILE"), "server.yaml to read (default " UUN_SYSCONFDIR "/server.yaml)")
        ("foreground,f", po::bool_switch(&c.foreground), "stay in the foreground and log to stderr")
        ("sweep", po::bool_switch(&c.sweep), "remove registry rows not seen for registry.expire_after, print how many, exit")
        ("force", po::bool_switch(&c.force), "with --sweep: remove them even over registry.max_sweep_share")
        ("print-config", po::bool_switch(&c.print_config), config::print_config_help)
        ("help,h", po::bool_switch(&c.help), "show this help")
        ("version,V", po::bool_switch(&c.version), "show the version");
    return d;
}

}  // namespace

result<command_line> parse_command_line(const std::vector<std::string>& args)
{
    command_line c;
    auto desc = options(c);
    try {
        parse_with_print_key(args, desc, c.print_key);
    } catch (const po::error& e) {
        return fail(cat(e.what(), "\n", usage()));
    }
    if (c.force && !c.sweep)
        return fail(cat("--force goes with --sweep only\n", usage()));
    return c;
}

std::string usage()
{
    command_line c;
    std::ostringstream out;
    out << "usage: uun-server [-c FILE] [-f] [--sweep [--force]] [--print-config [KEY]]\n"
           "The uun update server: HTTPS polls, payloads and reports from appliances.\n"
        << options(c);
    return out.str();
}

}  // namespace uun::daemon
