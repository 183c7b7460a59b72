// The registry: every pattern, in the order `dtxsim list` shows them.
#include "patterns/local_message_table/local_message_table.hpp"
#include "patterns/mq_transaction/mq_transaction.hpp"
#include "patterns/outbox/outbox.hpp"
#include "patterns/pattern.hpp"
#include "patterns/saga/saga.hpp"
#include "patterns/tcc/tcc.hpp"
#include "patterns/two_phase_message/two_phase_message.hpp"

namespace dtx {

const std::vector<PatternInfo>& pattern_registry() {
  static const std::vector<PatternInfo> list = {
      outbox_info(), local_message_table_info(), two_phase_message_info(), tcc_info(),
      saga_info(),   mq_transaction_info(),      mq_half_message_info()};
  return list;
}

const PatternInfo* find_pattern(const std::string& name) {
  for (const auto& p : pattern_registry()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace dtx
