// Hook execution (see header): lib/util/spawn runs the hook; this file
// checks its path, builds its environment and turns the outcome into the
// installer's words.
#include "milter/updater/hook_runner.hpp"

#include "lib/util/result.hpp"
#include "lib/util/spawn.hpp"

namespace uun::updater {

namespace {

constexpr const char* hook_path_env = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

hook_result run_hook(const std::vector<std::string>& argv, const environment& env, std::chrono::seconds timeout,
                     std::chrono::milliseconds kill_grace)
{
    hook_result r;
    if (argv.empty() || argv.front().empty() || argv.front().front() != '/') {
        r.why = "the hook is not an absolute program path";
        return r;
    }
    spawn_options options;
    options.env = std::vector<std::string>{hook_path_env};
    for (const auto& [name, value] : env)
        options.env->push_back(cat(name, "=", value));
    options.timeout = timeout;
    options.kill_grace = kill_grace;
    options.max_output = max_hook_output;
    options.keep_tail = true;
    auto done = spawn(argv, options);
    if (!done) {
        r.why = done.error().message;
        return r;
    }
    r.output = std::move(done->output);
    if (done->timed_out) {
        r.how = hook_result::outcome::timed_out;
        r.why = cat("timed out after ", timeout.count(), "s; its process group was killed");
    } else if (done->exit_status == 0) {
        r.how = hook_result::outcome::succeeded;
        r.exit_code = 0;
        r.why = "exited 0";
    } else if (done->exit_status > 0) {
        r.how = hook_result::outcome::failed;
        r.exit_code = done->exit_status;
        r.why = cat("exited ", r.exit_code);
    } else {
        r.how = hook_result::outcome::failed;
        r.signal = done->signal;
        r.why = cat("killed by signal ", r.signal);
    }
    return r;
}

}  // namespace uun::updater
