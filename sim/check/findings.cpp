// Grouping violations into findings by their per-transaction signature.
#include "sim/check/findings.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace dtx {

std::string message_shape(const std::string& message) {
  std::string out;
  for (size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
    // A sign belongs to the number only where a number can start (not in "key-7").
    bool sign = (c == '-' || c == '+') && i + 1 < message.size() &&
                std::isdigit(static_cast<unsigned char>(message[i + 1])) != 0 &&
                (i == 0 || !std::isalnum(static_cast<unsigned char>(message[i - 1])));
    if (!digit && !sign) {
      out += c;
      continue;
    }
    out += 'N';
    while (i + 1 < message.size() &&
           (std::isdigit(static_cast<unsigned char>(message[i + 1])) || message[i + 1] == '.'))
      ++i;
  }
  return out;
}

Json Finding::to_json(const std::vector<Violation>& all, size_t n) const {
  Json example = Json::array();
  for (size_t i : violations)
    if (all[i].gid == example_gid) example.push_back(all[i].to_json());
  Json j = {{"n", n},
            {"invariants", invariants},
            {"count", gids.size()},
            {"transactions", gids.size()},
            {"violations", violations.size()},
            {"gids", gids},
            {"gid", example_gid},
            {"example_gid", example_gid},
            {"example", example}};
  if (!story.empty()) {
    j["cause"] = story.cause;
    j["signature"] = story.signature();
    j["steps"] = story.steps_json();
  }
  return j;
}

std::vector<Finding> group_findings(const std::vector<Violation>& violations,
                                    const Storyteller* teller) {
  // Each gid's signature, from all of its violations (and its cause, when told).
  std::map<std::string, std::set<std::pair<std::string, std::string>>> signature;
  std::vector<std::string> gid_order;
  for (const auto& v : violations) {
    if (v.gid.empty()) continue;
    auto [it, fresh] = signature.try_emplace(v.gid);
    if (fresh) gid_order.push_back(v.gid);
    it->second.insert({v.invariant, message_shape(v.message)});
  }
  std::vector<Finding> out;
  std::map<std::pair<std::set<std::pair<std::string, std::string>>, std::string>, size_t>
      by_signature;
  std::map<std::string, size_t> finding_of_gid;
  for (const auto& gid : gid_order) {
    const auto& sig = signature[gid];
    Story story;
    if (teller) story = teller->tell(gid, violations);
    std::string cause = story.signature();
    auto [it, fresh] = by_signature.try_emplace({sig, cause}, out.size());
    if (fresh) {
      Finding f;
      std::set<std::string> inv;
      for (const auto& [i, shape] : sig) inv.insert(i);
      f.invariants.assign(inv.begin(), inv.end());
      f.example_gid = gid;
      f.story = std::move(story);
      out.push_back(std::move(f));
    }
    out[it->second].gids.push_back(gid);
    finding_of_gid[gid] = it->second;
  }
  std::map<std::pair<std::string, std::string>, size_t> no_gid;  // (invariant, shape)
  for (size_t i = 0; i < violations.size(); ++i) {
    const Violation& v = violations[i];
    if (!v.gid.empty()) {
      out[finding_of_gid[v.gid]].violations.push_back(i);
      continue;
    }
    auto [it, fresh] = no_gid.try_emplace({v.invariant, message_shape(v.message)}, out.size());
    if (fresh) {
      Finding f;
      f.invariants = {v.invariant};
      out.push_back(std::move(f));
    }
    out[it->second].violations.push_back(i);
  }
  // In the order of each finding's first violation.
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return a.violations.front() < b.violations.front();
  });
  return out;
}

}  // namespace dtx
