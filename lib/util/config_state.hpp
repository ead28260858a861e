// What a config::document and its sections share while a file is read: the
// parsed tree, the problems found, which keys were asked for. Internal to
// config.cpp and config_document.cpp.
#pragma once

#include "lib/util/config.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace uun::config {

struct visited_mapping {
    YAML::Node node;
    std::string path;
    std::set<std::string, std::less<>> used;
};

struct document_state {
    std::string name;
    YAML::Node root;
    std::vector<std::pair<int, std::string>> errors;  // line, message
    std::vector<std::pair<int, std::string>> missing;  // report_missing: line, message
    std::vector<std::pair<int, std::string>> warnings;  // warn: line, message
    std::vector<std::shared_ptr<visited_mapping>> visited;
    std::map<std::string, std::shared_ptr<visited_mapping>, std::less<>> by_path;
    settings read;

    visited_mapping& mapping(const YAML::Node& node, const std::string& path)
    {
        auto it = by_path.find(path);
        if (it != by_path.end())
            return *it->second;
        auto m = std::make_shared<visited_mapping>(visited_mapping{node, path, {}});
        visited.push_back(m);
        by_path.emplace(path, m);
        return *m;
    }

    void add(int line, std::string message) { errors.emplace_back(line, std::move(message)); }
};

}  // namespace uun::config
