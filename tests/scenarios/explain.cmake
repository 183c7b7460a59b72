# `dtxsim explain`: runs SCENARIO with a trace, explains its first finding, and requires every
# string of MATCH (a ;-list) in the story. Inputs: DTXSIM, SCENARIO, TRACE, MATCH.
execute_process(COMMAND ${DTXSIM} run ${SCENARIO} --trace ${TRACE} -q RESULT_VARIABLE rc
                ERROR_VARIABLE err)
if(rc GREATER 1)
  message(FATAL_ERROR "dtxsim run failed (${rc}): ${err}")
endif()
execute_process(COMMAND ${DTXSIM} explain ${TRACE} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
file(REMOVE ${TRACE})
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dtxsim explain failed (${rc}): ${err}")
endif()
foreach(m IN LISTS MATCH)
  string(FIND "${out}" "${m}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "the story lacks '${m}':\n${out}")
  endif()
endforeach()
