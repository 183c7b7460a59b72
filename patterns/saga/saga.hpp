// Registry entry of the saga pattern.
#pragma once

#include "sim/plugin/pattern.hpp"

namespace dtx {
PatternInfo saga_info();
}
