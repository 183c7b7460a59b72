// Registry entry of the transactional outbox pattern.
#pragma once

#include "patterns/pattern.hpp"

namespace dtx {
PatternInfo outbox_info();
}
