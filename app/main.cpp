// The dtxsim executable: the built-in patterns and the command line.
#include "app/cli.hpp"

int main(int argc, char** argv) {
  return dtx::dtxsim_main(argc, argv);
}
