# Re-runs the baseline's seeds and compares with `dtxsim regress` (exit 1 on a regression).
file(REMOVE ${DB})
foreach(w transfer order)
  execute_process(COMMAND ${DTXSIM} compare ${SRC}/scenarios/compare/compare-${w}.json --seeds 1..10 --jobs 2
                          --db ${DB} -q RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compare ${w} failed (${rc}): ${err}")
  endif()
endforeach()
execute_process(COMMAND ${DTXSIM} regress --baseline ${SRC}/results/baseline.json --db ${DB}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "regress failed (${rc}): ${out}${err}")
endif()
