// Registry entry of TCC (try, confirm, cancel) with the barrier.
#pragma once

#include "patterns/pattern.hpp"

namespace dtx {
PatternInfo tcc_info();
}
