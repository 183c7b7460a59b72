// Catch2 main for the viewer's model tests, alone in its TU so test edits rebuild quickly.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
