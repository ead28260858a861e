// Running publish.remote (see header). ssh's own failures (exit 255: host
// unreachable, host key or login refused) are told apart from the far
// side's answer, which uses uun-publish's exit codes.
#include "server/publish/remote_link.hpp"

#include "lib/util/spawn.hpp"

#include <algorithm>

namespace uun::publish {

namespace {

constexpr int ssh_failure = 255;

std::vector<std::string> argv_of(const remote_link& link, const std::vector<std::string>& words)
{
    std::vector<std::string> argv = link.prefix;
    argv.insert(argv.end(), {"uun-publish", "--serve"});
    argv.insert(argv.end(), words.begin(), words.end());
    return argv;
}

outcome<void> check_words(const std::vector<std::string>& words)
{
    for (const auto& w : words)
        if (!is_remote_word(w))
            return fail_with(exit_code::usage, cat("'", w, "' cannot be sent to the server host (publish.remote): ",
                                                   "only letters, digits and . _ - = , : + travel"));
    return {};
}

exit_code code_of(int status)
{
    switch (status) {
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
        return static_cast<exit_code>(status);
    default:
        return exit_code::store;
    }
}

failure link_failure(const remote_link& link, const spawn_outcome& ran, std::string_view what)
{
    const std::string& program = link.prefix.front();
    if (ran.timed_out)
        return {exit_code::store, cat(what, ": ", program, " (publish.remote) took over ", link.timeout.count(),
                                      " s and was stopped; nothing more was sent")};
    if (ran.signal != 0)
        return {exit_code::store, cat(what, ": ", program, " (publish.remote) was ended by signal ", ran.signal)};
    if (ran.exit_status == ssh_failure)
        return {exit_code::store, cat(what, ": cannot reach the server host through publish.remote (", program,
                                      " exited 255; its message is above)")};
    return {code_of(ran.exit_status), cat(what, ": the server host refused (uun-publish --serve exited ",
                                          ran.exit_status, "; its message is above)")};
}

}  // namespace

bool is_remote_word(std::string_view word)
{
    return !word.empty() && word.size() <= 256 && std::all_of(word.begin(), word.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("._-=,:+").find(static_cast<char>(c)) != std::string_view::npos;
    });
}

outcome<std::string> remote_call(const remote_link& link, const std::vector<std::string>& words,
                                 std::string_view input, const std::string& stdin_path)
{
    if (auto r = check_words(words); !r)
        return std::unexpected(r.error());
    spawn_options options;
    options.input = input;
    options.stdin_path = stdin_path;
    options.output = spawn_options::output_mode::capture_stdout;
    options.max_output = max_remote_answer + 1;
    options.timeout = link.timeout;
    auto ran = spawn(argv_of(link, words), options);
    std::string what = cat("server host, ", words.front());
    if (!ran)
        return fail_with(exit_code::store, cat(what, ": publish.remote: ", ran.error().message));
    if (ran->timed_out || ran->signal != 0 || ran->exit_status != 0)
        return std::unexpected(link_failure(link, *ran, what));
    if (ran->output.size() > max_remote_answer)
        return fail_with(exit_code::store, cat(what, ": the answer is over ", max_remote_answer, " bytes"));
    return std::move(ran->output);
}

outcome<int> remote_command(const remote_link& link, const std::vector<std::string>& words)
{
    if (auto r = check_words(words); !r)
        return std::unexpected(r.error());
    spawn_options options;
    options.output = spawn_options::output_mode::inherit;
    options.timeout = link.timeout;
    auto ran = spawn(argv_of(link, words), options);
    if (!ran)
        return fail_with(exit_code::store, cat("publish.remote: ", ran.error().message));
    if (ran->timed_out || ran->signal != 0 || ran->exit_status == ssh_failure)
        return std::unexpected(link_failure(link, *ran, "server host"));
    return ran->exit_status;
}

}  // namespace uun::publish
