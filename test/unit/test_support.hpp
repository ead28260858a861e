// Helpers shared by unit tests: the shared test vectors, scratch directories
// and whether a process is still alive.
#pragma once

#include "lib/util/file_util.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/types.h>

namespace uun::test {

// UUN_DEFAULT_VECTORS_DIR (meson) is test/unit/lib/proto/vectors; UUN_VECTORS_DIR overrides it.
inline nlohmann::json load_vectors(const std::string& file)
{
    const char* dir = std::getenv("UUN_VECTORS_DIR");
    std::string path = std::string(dir ? dir : UUN_DEFAULT_VECTORS_DIR) + "/" + file;
    auto text = uun::read_file(path, 1 << 20);
    if (!text)
        throw std::runtime_error(text.error().message);
    return nlohmann::json::parse(*text);
}

// A fresh directory under $TMPDIR, removed when the object goes.
class scratch_dir {
public:
    scratch_dir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "uun-test-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~scratch_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// True while pid names a live (not zombie) process.
inline bool process_alive(pid_t pid)
{
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line))
        return false;
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

}  // namespace uun::test
