// Resumable, verified payload download (see header). A resumed download that
// goes wrong is started once more from zero before a mismatch is reported,
// so a damaged partial file is never blamed on the server.
#include "milter/updater/downloader.hpp"

#include "lib/util/digest.hpp"
#include "lib/util/log.hpp"
#include "lib/util/unique_fd.hpp"
#include "milter/updater/log_text.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uun::updater {

namespace {

constexpr std::size_t max_error_body = 512;

enum class problem { none, restart, refuse };

class payload_sink final : public response_sink {
public:
    payload_sink(int fd, std::uint64_t have, std::uint64_t size) : fd_(fd), have_(have), size_(size) {}

    result<void> on_head(const response_head& head) override
    {
        head_ = head;
        if (head.status == 206) {
            auto range = parse_content_range(head.content_range);
            if (!range || range->first != have_)
                return stop(problem::restart, cat("the server resumed at the wrong place (Content-Range '",
                                                  printable(head.content_range, 80), "', asked from ", have_, ")"));
            if (range->total != size_)
                return stop(problem::refuse, cat("the server's payload has ", range->total,
                                                 " bytes; the signed entry says ", size_));
        } else if (head.status == 200) {
            if (head.content_length && *head.content_length != size_)
                return stop(problem::refuse, cat("the server's payload has ", *head.content_length,
                                                 " bytes; the signed entry says ", size_));
            if (have_ > 0) {
                log::info("the server ignored the Range request; downloading from the start");
                if (::ftruncate(fd_, 0) != 0)
                    return stop(problem::none, cat("cannot truncate the partial file: ", std::strerror(errno)));
                have_ = 0;
            }
        } else if (head.status == 416) {
            return stop(problem::restart, "the server refused the range (416)");
        } else {
            error_status_ = true;  // keep a little of the error body for the log
            return {};
        }
        if (::lseek(fd_, static_cast<off_t>(have_), SEEK_SET) < 0)
            return stop(problem::none, cat("cannot seek in the partial file: ", std::strerror(errno)));
        return {};
    }

    result<void> on_body(std::string_view bytes) override
    {
        if (error_status_) {
            error_body_.append(bytes.substr(0, max_error_body - std::min(max_error_body, error_body_.size())));
            if (error_body_.size() >= max_error_body)
                return fail("error answer too long");
            return {};
        }
        if (bytes.size() > size_ - have_)
            return stop(problem::refuse, cat("the server sent more than the signed size of ", size_, " bytes"));
        while (!bytes.empty()) {
            ssize_t n = ::write(fd_, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return stop(problem::none, cat("cannot write the partial file: ", std::strerror(errno)));
            bytes.remove_prefix(static_cast<std::size_t>(n));
            have_ += static_cast<std::uint64_t>(n);
        }
        return {};
    }

    const response_head& head() const { return head_; }
    bool error_status() const { return error_status_; }
    const std::string& error_body() const { return error_body_; }
    problem trouble() const { return problem_; }
    const std::string& trouble_text() const { return problem_text_; }

private:
    result<void> stop(problem p, std::string why)
    {
        problem_ = p;
        problem_text_ = why;
        return fail(std::move(why));
    }

    int fd_;
    std::uint64_t have_;
    std::uint64_t size_;
    response_head head_;
    bool error_status_ = false;
    std::string error_body_;
    problem problem_ = problem::none;
    std::string problem_text_;
};

struct attempt {
    download_outcome outcome;
    bool restart = false;  // start again from zero
};

attempt try_download(http_transport& transport, const std::string& path, const proto::update_entry& entry,
                     std::int64_t now)
{
    auto transient = [](std::string why) { return attempt{{download_status::transient, "", std::move(why), {}}, false}; };
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        return transient(cat(path, ": cannot open: ", std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return transient(cat(path, ": not a regular file"));
    auto have = static_cast<std::uint64_t>(st.st_size);
    if (have > entry.size) {
        if (::ftruncate(fd.get(), 0) != 0)
            return transient(cat(path, ": cannot truncate: ", std::strerror(errno)));
        have = 0;
    }
    bool resumed = have > 0;
    if (have < entry.size) {
        if (resumed)
            log::info(cat("seq ", entry.seq, ": resuming the download at byte ", have, " of ", entry.size));
        payload_sink sink(fd.get(), have, entry.size);
        http_request request{http_request::verb::get, http_request::purpose::download,
                             cat("/v1/payloads/", entry.sha256), "", have};
        auto done = transport.perform(request, sink);
        fd.reset();  // written; from here on the file is read by name
        if (sink.trouble() == problem::refuse && !resumed)
            return {{download_status::mismatch, "", sink.trouble_text(), {}}, false};
        if (sink.trouble() == problem::refuse || sink.trouble() == problem::restart)
            return {{download_status::transient, "", sink.trouble_text(), {}}, true};
        if (sink.error_status()) {
            download_outcome o{download_status::transient, "",
                               cat("payload ", entry.sha256.substr(0, 12), ": ",
                                   describe_error_answer(sink.head().status, sink.error_body())),
                               {}};
            if (sink.head().status == 503 || sink.head().status == 429)
                o.retry_after = parse_retry_after(sink.head().retry_after, now);
            return {o, false};
        }
        if (!done)
            return transient(cat("download interrupted (kept for resuming): ", done.error().message));
    }
    fd.reset();
    struct stat now_st {};
    if (::stat(path.c_str(), &now_st) != 0)
        return transient(cat(path, ": cannot stat: ", std::strerror(errno)));
    if (static_cast<std::uint64_t>(now_st.st_size) != entry.size)
        return transient(cat("download ended after ", now_st.st_size, " of ", entry.size,
                             " bytes (kept for resuming)"));
    auto digest = sha256_file_hex(path);
    if (!digest)
        return transient(digest.error().message);
    if (*digest != entry.sha256) {
        std::string why = cat("sha256 of the downloaded payload is ", *digest, ", the signed entry says ", entry.sha256);
        if (resumed)
            return {{download_status::transient, "", why, {}}, true};
        ::unlink(path.c_str());
        return {{download_status::mismatch, "", why, {}}, false};
    }
    return {{download_status::complete, path, "", {}}, false};
}

}  // namespace

download_outcome download_payload(http_transport& transport, const std::string& partial_dir,
                                  const proto::update_entry& entry, std::int64_t now)
{
    std::string path = cat(partial_dir, "/", entry.sha256);  // 64 hex digits, checked by the entry parser
    auto first = try_download(transport, path, entry, now);
    if (!first.restart)
        return first.outcome;
    log::warning(cat("seq ", entry.seq, ": ", first.outcome.detail, "; downloading again from the start"));
    if (::truncate(path.c_str(), 0) != 0 && errno != ENOENT)
        return {download_status::transient, "", cat(path, ": cannot truncate: ", std::strerror(errno)), {}};
    return try_download(transport, path, entry, now).outcome;
}

}  // namespace uun::updater
