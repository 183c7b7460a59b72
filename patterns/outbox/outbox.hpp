// Registry entry of the transactional outbox pattern.
#pragma once

#include "sim/plugin/pattern.hpp"

namespace dtx {
PatternInfo outbox_info();
}
