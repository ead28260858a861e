// The Beast body every uun-server answer uses: a text in memory (JSON, HTML,
// metrics) or a byte range of an open payload file, read in chunks with
// pread so a 1 GiB payload never sits in memory. Callers: the handlers fill
// it, the session serialises it. A read error ends the answer with that error.
#pragma once

#include "lib/util/unique_fd.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <unistd.h>

namespace uun::daemon {

struct reply_body {
    // One TLS record's worth per read: the stream encrypts it in one piece.
    static constexpr std::size_t file_chunk = 16 * 1024;

    struct value_type {
        std::string text;        // used when file is not open
        unique_fd file;          // the payload, when open
        std::uint64_t offset = 0;
        std::uint64_t length = 0;  // bytes of the file to send
    };

    static std::uint64_t size(const value_type& body) { return body.file ? body.length : body.text.size(); }

    class writer {
    public:
        using const_buffers_type = boost::asio::const_buffer;

        template <bool is_request, class Fields>
        writer(const boost::beast::http::header<is_request, Fields>&, const value_type& body) : body_(body)
        {
        }

        void init(boost::beast::error_code& ec)
        {
            ec = {};
            position_ = body_.offset;
            remain_ = body_.length;
        }

        boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec)
        {
            ec = {};
            if (!body_.file) {
                if (text_sent_ || body_.text.empty())
                    return boost::none;
                text_sent_ = true;
                return {{boost::asio::buffer(body_.text), false}};
            }
            if (remain_ == 0)
                return boost::none;
            std::size_t want = remain_ < file_chunk ? static_cast<std::size_t>(remain_) : file_chunk;
            if (!chunk_)
                chunk_ = std::make_unique<char[]>(file_chunk);  // only file answers pay for it
            ssize_t n;
            do
                n = ::pread(body_.file.get(), chunk_.get(), want, static_cast<off_t>(position_));
            while (n < 0 && errno == EINTR);
            if (n <= 0) {
                // A payload file that shrank under us is as bad as a read error.
                ec = n < 0 ? boost::beast::error_code(errno, boost::system::system_category())
                           : boost::beast::error_code(EIO, boost::system::system_category());
                return boost::none;
            }
            position_ += static_cast<std::uint64_t>(n);
            remain_ -= static_cast<std::uint64_t>(n);
            return {{boost::asio::buffer(chunk_.get(), static_cast<std::size_t>(n)), remain_ > 0}};
        }

    private:
        const value_type& body_;
        bool text_sent_ = false;
        std::uint64_t position_ = 0;
        std::uint64_t remain_ = 0;
        std::unique_ptr<char[]> chunk_;
    };
};

}  // namespace uun::daemon
