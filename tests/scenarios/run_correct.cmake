# Runs a broken-variant scenario with the pattern's correct variant: it must report no
# violation at all (the expectation is ignored: the correct variant expects nothing).
execute_process(COMMAND ${DTXSIM} run ${SCENARIO} --pattern ${PATTERN} --json ${OUT} -q
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 2 OR rc GREATER 2)
  message(FATAL_ERROR "dtxsim failed (${rc}): ${err}")
endif()
file(READ ${OUT} result)
file(REMOVE ${OUT})
string(JSON n LENGTH "${result}" violations)
if(NOT n EQUAL 0)
  string(JSON first GET "${result}" violations 0 message)
  message(FATAL_ERROR "${PATTERN} reported ${n} violation(s) on ${SCENARIO}; first: ${first}")
endif()
