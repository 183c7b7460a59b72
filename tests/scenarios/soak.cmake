# Swarm soak: every correct pattern that supports the scenario's workload runs SEEDS (A..B)
# under the scenario's swarm faults; any run that violates an invariant fails the test, which
# then prints the report's violating runs with their replay commands.
# Inputs: DTXSIM, SCENARIO, SEEDS, JOBS, WORK (a scratch directory of this test).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${DTXSIM} compare ${SCENARIO} --seeds ${SEEDS} --jobs ${JOBS}
                        --db ${WORK}/soak.db --report ${WORK}/soak.md -q
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compare failed (exit ${rc})\nstdout: ${out}\nstderr: ${err}")
endif()
string(REGEX MATCH "ran ([0-9]+), with violations ([0-9]+)" counts "${out}")
if(NOT counts)
  message(FATAL_ERROR "compare printed no run counts\nstdout: ${out}")
endif()
set(ran ${CMAKE_MATCH_1})
set(violating ${CMAKE_MATCH_2})
if(ran EQUAL 0)
  message(FATAL_ERROR "the soak ran no runs\nstdout: ${out}")
endif()
if(NOT violating EQUAL 0)
  file(READ ${WORK}/soak.md report)
  message(FATAL_ERROR "${violating} of ${ran} runs of correct patterns violated an invariant\n"
                      "${out}\n${report}")
endif()
message(STATUS "soak ${SCENARIO} seeds ${SEEDS}: ${ran} runs, 0 violations")
