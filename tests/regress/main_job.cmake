# The main job's gate (scripts/run): the compare sweeps run seeds 1..100, past the baseline's
# 1..20, and there three-phase commit shows its declared split under a partition on some
# seeds. The gate must pass and say so in a note; it is a property, not a regression.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/results)
file(CREATE_LINK ${SRC}/scenarios ${WORK}/scenarios SYMBOLIC)
file(COPY ${SRC}/results/baseline.json DESTINATION ${WORK}/results)
execute_process(COMMAND ${DTXSIM} sweep scenarios/compare/compare-transfer.json --seeds 1..100
                        --pattern three_phase_commit:correct --db results/dtxsim.db -q
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "known limitations [1-9]")
  message(FATAL_ERROR "the sweep should find 3PC's known limitation past seed 20 (exit ${rc}):\n${out}${err}")
endif()
execute_process(COMMAND ${DTXSIM} regress --baseline results/baseline.json --db results/dtxsim.db
                        --run
                WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "no regression: [0-9]+ groups passed")
  message(FATAL_ERROR "the main job's gate failed (exit ${rc}):\n${out}${err}")
endif()
if(NOT out MATCHES "shows the pattern's declared limitation")
  message(FATAL_ERROR "the gate did not note the seeds showing the declared limitation:\n${out}")
endif()
