// my-dtxsim: dtxsim's command line with one more pattern registered.
#include "app/cli.hpp"
#include "notify.hpp"

int main(int argc, char** argv) {
  dtx::register_pattern(example::notify_info());
  return dtx::dtxsim_main(argc, argv);
}
