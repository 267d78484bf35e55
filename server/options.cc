#include "server/options.h"

#include <yaml-cpp/yaml.h>

#include <stdexcept>

namespace orc::server {

void ChannelPolicy::Allow(const std::string& channel, const std::string& organization) {
  channels_[channel].insert(organization);
}

bool ChannelPolicy::KnowsOrganization(const std::string& organization) const {
  for (const auto& [channel, organizations] : channels_) {
    if (organizations.count(organization) != 0) return true;
  }
  return false;
}

bool ChannelPolicy::Allows(const std::string& channel, const std::string& organization) const {
  if (open()) return true;
  auto found = channels_.find(channel);
  return found != channels_.end() && found->second.count(organization) != 0;
}

ChannelPolicy LoadChannelConfig(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& error) {
    throw std::runtime_error("cannot read channel configuration " + path + ": " + error.what());
  }
  YAML::Node channels = root["channels"];
  if (!channels || !channels.IsMap()) {
    throw std::runtime_error("channel configuration " + path +
                             ": expected a mapping `channels: {CHANNEL: [ORGANIZATION, ...]}`");
  }
  ChannelPolicy policy;
  for (const auto& entry : channels) {
    std::string channel = entry.first.as<std::string>();
    if (!entry.second.IsSequence() || entry.second.size() == 0) {
      throw std::runtime_error("channel configuration " + path + ": channel \"" + channel +
                               "\" needs a non-empty list of organisations");
    }
    for (const auto& organization : entry.second) {
      if (!organization.IsScalar() || organization.as<std::string>().empty()) {
        throw std::runtime_error("channel configuration " + path + ": channel \"" + channel +
                                 "\" lists an organisation that is not a non-empty string");
      }
      policy.Allow(channel, organization.as<std::string>());
    }
  }
  if (policy.open()) throw std::runtime_error("channel configuration " + path + " declares no channel");
  return policy;
}

void AddChannelSpec(ChannelPolicy& policy, const std::string& spec) {
  auto equals = spec.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size()) {
    throw std::runtime_error("invalid --channel \"" + spec + "\": expected CHANNEL=ORG1,ORG2");
  }
  std::string channel = spec.substr(0, equals);
  std::size_t start = equals + 1;
  while (start <= spec.size()) {
    std::size_t comma = spec.find(',', start);
    if (comma == std::string::npos) comma = spec.size();
    std::string organization = spec.substr(start, comma - start);
    if (organization.empty()) {
      throw std::runtime_error("invalid --channel \"" + spec + "\": empty organisation name");
    }
    policy.Allow(channel, organization);
    start = comma + 1;
  }
}

}  // namespace orc::server
