// The uun-publish commands: publish (and notify), --renotify, --status,
// --list, --appliances and the admission commands. Each checks what it needs in the order that keeps a
// failed run from changing anything, prints what an operator needs, and
// returns the exit code's failure. Callers: run_publish_cli, tests.
#pragma once

#include "lib/proto/update_entry.hpp"
#include "lib/util/clock.hpp"
#include "server/publish/cli_options.hpp"
#include "server/publish/exit_code.hpp"
#include "server/publish/mail_transport.hpp"
#include "server/settings/server_config.hpp"
#include "server/store/payload_dir.hpp"
#include "server/store/store.hpp"

#include <functional>
#include <memory>
#include <ostream>

namespace uun::publish {

struct command_env {
    const settings::server_config& config;
    const uun::clock& clock;
    std::ostream& out;
    std::ostream& err;
    bool tty = false;    // out is a terminal (--wait rewrites one line)
    bool audit = false;  // also log what was published and notified (syslog)
    std::function<std::unique_ptr<mail_transport>(const settings::mta_config&)> make_transport;
    std::function<void()> pause;  // one second between --wait polls
};

// The entry a publish signs, before the log gives it seq and channel_seq.
proto::update_entry draft_entry(const cli_options& options, const std::string& name,
                                std::vector<proto::target_selector> target, const store::payload_info& payload,
                                const command_env& env);
// "published seq ..." on stdout and in the audit log; `how` ends the line.
void report_published(const store::stored_entry& stored, const command_env& env, std::string_view how);

// A log line when env.audit (uun-publish from a terminal, not the tests).
void audit(const command_env& env, const std::string& message);
// The store of store.sqlite; must_exist: a missing file is an error, not a new store.
outcome<std::unique_ptr<store::store>> open_store(const command_env& env, bool must_exist);
// For the reports: a missing file is an empty store (null, said on env.err),
// and is not made: the file is uun-server's, with its owner and mode.
outcome<std::unique_ptr<store::store>> open_store_if_exists(const command_env& env);

outcome<void> run_publish(const cli_options& options, const command_env& env);
outcome<void> run_renotify(const cli_options& options, const command_env& env);
// The reports (commands_reports.cpp): --status, --list, --appliances,
// --pending, as tables or --json; on a fresh store each is empty, exit 0.
outcome<void> run_status(const cli_options& options, const command_env& env);
outcome<void> run_list(const cli_options& options, const command_env& env);
outcome<void> run_appliances(const cli_options& options, const command_env& env);
outcome<void> run_pending(const cli_options& options, const command_env& env);
// Admission (commands_admission.cpp): --accept, --reject, --forget.
outcome<void> run_accept(const cli_options& options, const command_env& env);
outcome<void> run_reject(const cli_options& options, const command_env& env);
outcome<void> run_forget(const cli_options& options, const command_env& env);
// Every command but publish (the ones `uun-publish --serve run` takes too);
// anything else is a usage failure.
outcome<void> run_query_command(const cli_options& options, const command_env& env);

}  // namespace uun::publish
