// Option parsing with Boost.Program_options, in the convention every uun
// program shares (lib/util/command_line.hpp).
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
    add_config_option(d, &c.config, "server.yaml");
    add_foreground_option(d, &c.foreground);
    d.add_options()
        ("sweep", po::bool_switch(&c.sweep), "remove registry rows not seen for registry.expire_after, print how many, exit")
        ("force", po::bool_switch(&c.force), "with --sweep: remove them even over registry.max_sweep_share")
        ("print-config", po::bool_switch(&c.print_config), config::print_config_help);
    add_help_version_options(d);
    return d;
}

const program_help help{
    "uun-server",
    {"[-c FILE] [-f]", "[-c FILE] --sweep [--force]", "[-c FILE] --print-config [KEY]", "-h | -V"},
    "The uun update server: appliances' HTTPS polls, payloads and reports, the\n"
    "registry of their addresses, and (on admin.listen) /metrics and the status page.",
    {"uun-server -f                       # run in the foreground, log to stderr",
     "uun-server --print-config tls.cert  # one setting as uun-server reads it",
     "uun-server --sweep                  # expire stale registry rows now"},
    "  0  done (--sweep: rows removed or none to remove)\n"
    "  1  server.yaml, a key or the store is unusable (the message names it)\n"
    "  2  usage error\n"
    "  3  --sweep: held back, more than registry.max_sweep_share would go (--force)\n"};

}  // namespace

result<command_line> parse_command_line(const std::vector<std::string>& args)
{
    command_line c;
    auto desc = options(c);
    try {
        auto vm = parse_with_print_key(args, desc, c.print_key);
        c.help = given(vm, "help");
        c.version = given(vm, "version");
    } catch (const po::error& e) {
        return fail(cat(e.what(), " (see --help)"));
    }
    if (c.force && !c.sweep)
        return fail("--force goes with --sweep only (see --help)");
    return c;
}

std::string usage()
{
    command_line c;
    return format_help(help, options(c));
}

}  // namespace uun::daemon
