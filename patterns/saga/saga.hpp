// Registry entry of the saga pattern.
#pragma once

#include "patterns/pattern.hpp"

namespace dtx {
PatternInfo saga_info();
}
