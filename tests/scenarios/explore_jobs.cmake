# Runs `dtxsim explore ARGS` with --jobs 1 and with --jobs 2 and requires both to print the
# same bytes and write the same JSON, and the output to contain MATCH: the points run on
# threads in any order, the result must not show it.
foreach(jobs 1 2)
  execute_process(COMMAND ${DTXSIM} explore ${ARGS} --jobs ${jobs} --json ${OUT}.${jobs}.json
                  RESULT_VARIABLE rc_${jobs} OUTPUT_VARIABLE out_${jobs} ERROR_VARIABLE err)
  if(rc_${jobs} GREATER 1)
    message(FATAL_ERROR "--jobs ${jobs}: exit ${rc_${jobs}}\n${out_${jobs}}${err}")
  endif()
  file(READ ${OUT}.${jobs}.json json_${jobs})
endforeach()
if(NOT rc_1 EQUAL rc_2 OR NOT out_1 STREQUAL out_2)
  message(FATAL_ERROR "--jobs 2 printed otherwise than --jobs 1\n--- 1:\n${out_1}\n--- 2:\n${out_2}")
endif()
if(NOT json_1 STREQUAL json_2)
  message(FATAL_ERROR "--jobs 2 wrote other JSON than --jobs 1 (${OUT}.1.json, ${OUT}.2.json)")
endif()
string(FIND "${out_1}" "${MATCH}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "output lacks '${MATCH}'\n${out_1}")
endif()
