// Registry entries of the MQ transaction patterns: broker-transacted send enlisted with the
// database in an XA-style two-phase commit, and RocketMQ-style half messages.
#pragma once

#include "sim/plugin/pattern.hpp"

namespace dtx {
PatternInfo mq_transaction_info();
PatternInfo mq_half_message_info();
}  // namespace dtx
