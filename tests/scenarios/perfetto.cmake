# `dtxsim export TRACE --format perfetto --out OUT`: the file is one JSON object whose traceEvents name
# processes and threads, carry local transactions as slices and messages as paired flows.
# Inputs: DTXSIM, TRACE, OUT.
execute_process(COMMAND ${DTXSIM} export ${TRACE} --format perfetto --out ${OUT} RESULT_VARIABLE rc
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "export --format perfetto failed (${rc}): ${err}")
endif()
file(READ ${OUT} json)
file(REMOVE ${OUT})
string(JSON n LENGTH "${json}" traceEvents)
if(n LESS 100)
  message(FATAL_ERROR "only ${n} trace events")
endif()
# Counted by pattern (the file is compact JSON: one space-free object per event).
foreach(ph M X s f)
  string(REGEX MATCHALL "\"ph\":\"${ph}\"" hits "${json}")
  list(LENGTH hits count_${ph})
endforeach()
if(count_M EQUAL 0 OR count_X EQUAL 0 OR count_s EQUAL 0 OR NOT count_s EQUAL count_f)
  message(FATAL_ERROR "metadata ${count_M}, slices ${count_X}, flow starts ${count_s}, ends ${count_f}")
endif()
