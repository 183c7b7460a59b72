# Runs CMD (a ;-list) and requires exit code CODE and, if given, every string of the list MATCH
# in stderr+stdout.
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL ${CODE})
  message(FATAL_ERROR "expected exit ${CODE}, got ${rc}\nstdout: ${out}\nstderr: ${err}")
endif()
foreach(m IN LISTS MATCH)
  string(FIND "${out}${err}" "${m}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "output lacks '${m}'\nstdout: ${out}\nstderr: ${err}")
  endif()
endforeach()
