// Registry entry of the 2-phase message pattern (dtm style).
#pragma once

#include "sim/plugin/pattern.hpp"

namespace dtx {
PatternInfo two_phase_message_info();
}
