// Registry entry of TCC (try, confirm, cancel) with the barrier.
#pragma once

#include "sim/plugin/pattern.hpp"

namespace dtx {
PatternInfo tcc_info();
}
