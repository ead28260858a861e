// State file, token and lock (see header). The state file is small JSON,
// read with a limit and checked field by field.
#include "milter/updater/state_store.hpp"

#include "lib/proto/identity.hpp"
#include "lib/util/base64.hpp"
#include "lib/util/file_util.hpp"
#include "lib/util/json_input.hpp"
#include "lib/util/random.hpp"
#include "lib/util/unique_fd.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <map>
#include <type_traits>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uun::updater {

namespace {

constexpr std::uint64_t max_state_bytes = 64 * 1024;
constexpr std::uint64_t max_token_file_bytes = 256;
constexpr std::size_t max_state_map_size = 1024;

// A map of name -> number; false when it is not one (or too long).
template <typename T>
bool read_number_map(const nlohmann::json& j, std::string_view key, std::map<std::string, T>& out)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return true;
    if (!it->is_object() || it->size() > max_state_map_size)
        return false;
    for (const auto& [name, value] : it->items()) {
        if (!value.is_number_integer() || (std::is_unsigned_v<T> && !value.is_number_unsigned()))
            return false;
        out[name] = value.template get<T>();
    }
    return true;
}

result<void> make_dir(const std::string& path, mode_t mode)
{
    if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            return fail(cat(path, ": exists and is not a directory"));
        return {};
    }
    return fail(cat(path, ": cannot create directory: ", std::strerror(errno)));
}

result<updater_state> parse_state(const std::string& text, const std::string& path)
{
    auto parsed = parse_json_input(text, max_state_bytes);
    auto bad = [&](std::string_view why) {
        return fail(cat(path, ": damaged state file (", why,
                        "); move it away to start over from last_seq 0, which re-installs current updates"));
    };
    if (!parsed)
        return bad(parsed.error().message);
    const auto& j = *parsed;
    if (!j.is_object())
        return bad("not a JSON object");
    updater_state s;
    auto seq = j.find("last_seq");
    if (seq == j.end() || !seq->is_number_unsigned())
        return bad("last_seq is missing or not a number");
    s.last_seq = seq->get<std::uint64_t>();
    if (auto lp = j.find("last_poll"); lp != j.end() && !lp->is_null()) {
        if (!lp->is_number_integer())
            return bad("last_poll is not a number");
        s.last_poll = lp->get<std::int64_t>();
    }
    if (auto p = j.find("pending"); p != j.end() && !p->is_null()) {
        auto pseq = p->is_object() ? p->find("seq") : p->end();
        auto pch = p->is_object() ? p->find("channel") : p->end();
        auto pfile = p->is_object() ? p->find("file") : p->end();
        auto pprev = p->is_object() ? p->find("had_previous") : p->end();
        if (!p->is_object() || pseq == p->end() || !pseq->is_number_unsigned() || pch == p->end() ||
            !pch->is_string() || pfile == p->end() || !pfile->is_string() || pprev == p->end() ||
            !pprev->is_boolean())
            return bad("pending install record is incomplete");
        s.pending = pending_install{pseq->get<std::uint64_t>(), pch->get<std::string>(), pfile->get<std::string>(),
                                    pprev->get<bool>()};
        if (s.pending->file.empty() || s.pending->file.front() != '/')
            return bad("pending install names no absolute file");
    }
    if (auto r = j.find("hook_retry"); r != j.end() && !r->is_null()) {
        auto rseq = r->is_object() ? r->find("seq") : r->end();
        auto tries = r->is_object() ? r->find("attempts") : r->end();
        if (!r->is_object() || rseq == r->end() || !rseq->is_number_unsigned() || tries == r->end() ||
            !tries->is_number_unsigned())
            return bad("hook_retry record is incomplete");
        s.retry = hook_retry{rseq->get<std::uint64_t>(), tries->get<unsigned>()};
    }
    if (!read_number_map(j, "positions", s.positions) || !read_number_map(j, "known_heads", s.known_heads) ||
        !read_number_map(j, "trigger_seen", s.trigger_seen))
        return bad("positions, known_heads or trigger_seen is not a map of numbers");
    if (auto f = j.find("last_fresh_timestamp"); f != j.end() && !f->is_null()) {
        if (!f->is_number_integer())
            return bad("last_fresh_timestamp is not a number");
        s.last_fresh_timestamp = f->get<std::int64_t>();
    }
    if (auto v = j.find("root_version"); v != j.end()) {
        if (!v->is_number_unsigned())
            return bad("root_version is not a number");
        s.root_version = v->get<std::uint64_t>();
    }
    if (auto v = j.find("v1_last_seq"); v != j.end()) {
        if (!v->is_number_unsigned())
            return bad("v1_last_seq is not a number");
        s.v1_last_seq = v->get<std::uint64_t>();
    }
    return s;
}

}  // namespace

std::string previous_file_of(const std::string& file)
{
    return file + ".uun-prev";
}

state_store::state_store(std::string state_dir) : dir_(std::move(state_dir)) {}

result<void> state_store::prepare()
{
    if (auto ok = make_dir(dir_, 0700); !ok)
        return ok;
    return make_dir(partial_dir(), 0700);
}

result<void> state_store::lock()
{
    std::string path = dir_ + "/lock";
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        return fail(cat(path, ": cannot open: ", std::strerror(errno)));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        if (saved == EWOULDBLOCK)
            return fail(cat("another uun-updater is running with state_dir ", dir_));
        return fail(cat(path, ": cannot lock: ", std::strerror(saved)));
    }
    lock_fd_ = std::move(fd);
    return {};
}

result<updater_state> state_store::load() const
{
    std::string path = state_file();
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT)
        return updater_state{};
    auto text = read_file(path, max_state_bytes);
    if (!text)
        return std::unexpected(text.error());
    return parse_state(*text, path);
}

result<void> state_store::save(const updater_state& s) const
{
    nlohmann::json j = {{"last_seq", s.last_seq}};
    j["last_poll"] = s.last_poll ? nlohmann::json(*s.last_poll) : nlohmann::json(nullptr);
    if (s.pending)
        j["pending"] = {{"seq", s.pending->seq},
                        {"channel", s.pending->channel},
                        {"file", s.pending->file},
                        {"had_previous", s.pending->had_previous}};
    if (s.retry)
        j["hook_retry"] = {{"seq", s.retry->seq}, {"attempts", s.retry->attempts}};
    // The root-mode fields only when used, so a v1 state file stays as it was.
    if (s.root_version > 0) {
        j["root_version"] = s.root_version;
        j["positions"] = s.positions;
        j["known_heads"] = s.known_heads;
        j["trigger_seen"] = s.trigger_seen;
        if (s.v1_last_seq)
            j["v1_last_seq"] = *s.v1_last_seq;
        j["last_fresh_timestamp"] =
            s.last_fresh_timestamp ? nlohmann::json(*s.last_fresh_timestamp) : nlohmann::json(nullptr);
    }
    std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return write_file_atomic(state_file(), text, 0600);
}

result<std::string> state_store::token() const
{
    std::string path = dir_ + "/token";
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
        std::string fresh = base64url_encode(random_bytes(proto::token_bytes));
        auto wrote = write_file_atomic(path, fresh + "\n", 0600, /*exclusive=*/true);
        if (!wrote)
            return std::unexpected(wrote.error());
    }
    auto text = read_file(path, max_token_file_bytes);
    if (!text)
        return std::unexpected(text.error());
    std::string token = *text;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
        token.pop_back();
    if (!proto::is_valid_token(token))
        return fail(cat(path, ": not a token (base64url of ", proto::token_bytes,
                        " bytes); the server knows this appliance by it, so restore it or remove the file and "
                        "let the registry row expire"));
    return token;
}

}  // namespace uun::updater
