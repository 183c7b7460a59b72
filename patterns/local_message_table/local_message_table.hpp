// Registry entry of the local message table pattern.
#pragma once

#include "sim/plugin/pattern.hpp"

namespace dtx {
PatternInfo local_message_table_info();
}
