// uun-publish's children (see header): lib/util/spawn runs them; this file
// keeps the MTA hand-off's words for a timeout and for a failed child.
#include "server/publish/run_process.hpp"

#include "lib/util/spawn.hpp"

#include <utility>

namespace uun::publish {

result<process_exit> run_process(const std::vector<std::string>& argv, std::string_view input,
                                 const process_limits& limits)
{
    spawn_options options;
    options.input = input;
    options.timeout = limits.timeout;
    options.max_output = limits.max_output;
    auto done = spawn(argv, options);
    if (!done)
        return std::unexpected(done.error());
    if (done->timed_out)
        return fail(cat(argv[0], " did not finish within ", limits.timeout.count() / 1000.0, " s; killed it"));
    return process_exit{done->exit_status, done->signal, std::move(done->output), done->input_complete};
}

std::string describe_failure(const std::string& program, const process_exit& e)
{
    std::string first_line = e.output.substr(0, e.output.find('\n'));
    std::string said = first_line.empty() ? "" : cat(": ", first_line);
    if (e.signal != 0)
        return cat(program, " was killed by signal ", e.signal, said);
    if (e.status != 0)
        return cat(program, " exited ", e.status, said);
    if (!e.input_complete)
        return cat(program, " exited 0 without reading the whole message", said);
    return "";
}

}  // namespace uun::publish
