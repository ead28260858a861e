// The admission commands (doc/protocol.md, "Admission"): --accept makes one
// pending key the registry row of its id (a re-key when the id had another),
// --reject refuses a key for good, --forget drops an id's row and requests.
// Each says what changed, for the audit log too. --pending, which lists the
// keys waiting, is a report (commands_reports.cpp).
#include "lib/proto/appliance_key.hpp"
#include "server/publish/commands.hpp"

namespace uun::publish {

outcome<void> run_accept(const cli_options& o, const command_env& env)
{
    auto store = open_store(env, true);
    if (!store)
        return std::unexpected(store.error());
    auto before = (*store)->find_appliance(o.appliance);
    if (!before)
        return fail_with(exit_code::store, cat("store: ", before.error().message));
    auto accepted = (*store)->accept_appliance(o.appliance, o.key_fingerprint);
    if (!accepted)
        return fail_with(exit_code::input, accepted.error().message);
    std::string key = proto::key_fingerprint_of_base64(accepted->key);
    std::string line = *before ? cat("appliance ", o.appliance, " re-keyed: ", proto::key_fingerprint_of_base64((*before)->key), " -> ",
                                     key, " (at ", accepted->address, ")")
                               : cat("appliance ", o.appliance, " accepted with key ", key, " (at ",
                                     accepted->address, "); it gets UUNs from now on");
    env.out << line << "\n";
    audit(env, line);
    return {};
}

outcome<void> run_reject(const cli_options& o, const command_env& env)
{
    auto store = open_store(env, true);
    if (!store)
        return std::unexpected(store.error());
    auto rejected = (*store)->reject_appliance(o.appliance, o.key_fingerprint);
    if (!rejected)
        return fail_with(exit_code::store, cat("store: ", rejected.error().message));
    if (*rejected == 0)
        return fail_with(exit_code::input, o.key_fingerprint.empty()
                                               ? cat("appliance ", o.appliance, " has no pending admission request")
                                               : cat("appliance ", o.appliance,
                                                     " has no pending admission request with key ",
                                                     o.key_fingerprint));
    std::string line = cat("appliance ", o.appliance, ": ", *rejected, " key", *rejected == 1 ? "" : "s",
                           " rejected; its polls with ", *rejected == 1 ? "it" : "them", " get 403");
    env.out << line << "\n";
    audit(env, line);
    return {};
}

outcome<void> run_forget(const cli_options& o, const command_env& env)
{
    auto store = open_store(env, true);
    if (!store)
        return std::unexpected(store.error());
    auto forgotten = (*store)->forget_appliance(o.appliance);
    if (!forgotten)
        return fail_with(exit_code::store, cat("store: ", forgotten.error().message));
    if (!*forgotten)
        return fail_with(exit_code::input, cat("appliance ", o.appliance, " is not in the registry"));
    std::string line = cat("appliance ", o.appliance, " forgotten: its registry row and admission requests are "
                           "gone; its next poll starts over under registry.admission");
    env.out << line << "\n";
    audit(env, line);
    return {};
}

}  // namespace uun::publish
