// The registry: the built-in patterns, in the order `dtxsim list` shows them, then any a
// build of its own registers (register_pattern).
#include "patterns/local_message_table/local_message_table.hpp"
#include "patterns/mq_transaction/mq_transaction.hpp"
#include "patterns/outbox/outbox.hpp"
#include "patterns/saga/saga.hpp"
#include "patterns/tcc/tcc.hpp"
#include "patterns/two_phase_commit/two_phase_commit.hpp"
#include "patterns/two_phase_message/two_phase_message.hpp"
#include "sim/plugin/pattern.hpp"

namespace dtx {

namespace {

std::vector<PatternInfo>& registry() {
  static std::vector<PatternInfo> list = {outbox_info(),
                                          local_message_table_info(),
                                          two_phase_message_info(),
                                          tcc_info(),
                                          saga_info(),
                                          mq_transaction_info(),
                                          mq_half_message_info(),
                                          two_phase_commit_info(),
                                          three_phase_commit_info()};
  return list;
}

}  // namespace

void register_pattern(PatternInfo p) {
  if (p.name.empty() || !p.make)
    throw std::invalid_argument("register_pattern: a pattern needs a name and a variant table");
  if (p.variants.empty() || p.variants.front().name != "correct")
    throw std::invalid_argument("register_pattern: " + p.name +
                                ": the first variant must be \"correct\"");
  if (find_pattern(p.name))
    throw std::invalid_argument("register_pattern: a pattern named " + p.name + " exists");
  registry().push_back(std::move(p));
}

const std::vector<PatternInfo>& pattern_registry() {
  return registry();
}

const PatternInfo* find_pattern(const std::string& name) {
  for (const auto& p : registry()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace dtx
