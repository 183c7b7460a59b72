# Sweeps at the limits: a range of 10^10 seeds starts running at once (a range is walked, never
# materialised); a range ending at 2^64-1 ends; two sweeps on one database at once split the
# seeds between them (leases) and store each run exactly once.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(expect_output rc out code)
  if(NOT rc EQUAL ${code})
    message(FATAL_ERROR "expected exit ${code}, got ${rc}\n${out}")
  endif()
  foreach(m IN LISTS ARGN)
    string(FIND "${out}" "${m}" pos)
    if(pos EQUAL -1)
      message(FATAL_ERROR "output lacks '${m}'\n${out}")
    endif()
  endforeach()
endfunction()

# 1. 10^10 seeds, killed after 8 s: the first seeds must be stored by then (the old sweep
#    spent minutes and 1.5 GB planning before its first run).
execute_process(COMMAND ${DTXSIM} sweep ${SCENARIO} --seeds 1..10000000000 --db ${WORK}/big.db -q
                TIMEOUT 8 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
execute_process(COMMAND ${DTXSIM} sweep ${SCENARIO} --seeds 1..3 --db ${WORK}/big.db --lease-seconds 1
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
expect_output(${rc} "${out}${err}" 0 "runs planned 3, already stored 3, ran 0")

# 2. The top of the seed range: the walk stops at 2^64-1 instead of wrapping to 0.
execute_process(COMMAND ${DTXSIM} sweep ${SCENARIO} --seeds 18446744073709551613..18446744073709551615
                        --db ${WORK}/top.db -q
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
expect_output(${rc} "${out}${err}" 0 "runs planned 3, already stored 0, ran 3")

# 3. Two sweeps at once (COMMANDs of one execute_process run concurrently, as a pipeline);
#    the first writes its summary to a file (a pipe to the second could break), the second to
#    the output.
execute_process(COMMAND sh -c "\"$0\" \"$@\" > ${WORK}/first.txt" ${DTXSIM} sweep ${SCENARIO}
                        --seeds 1..200 --db ${WORK}/shared2.db -q
                COMMAND ${DTXSIM} sweep ${SCENARIO} --seeds 1..200 --db ${WORK}/shared2.db -q
                RESULTS_VARIABLE rcs OUTPUT_VARIABLE out_b ERROR_VARIABLE err)
if(NOT rcs STREQUAL "0;0")
  message(FATAL_ERROR "concurrent sweeps exited ${rcs}\n${out_b}${err}")
endif()
# Together they stored every seed: a third sweep finds all 200 and runs none.
execute_process(COMMAND ${DTXSIM} sweep ${SCENARIO} --seeds 1..200 --db ${WORK}/shared2.db -q
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
expect_output(${rc} "${out}${err}" 0 "runs planned 200, already stored 200, ran 0")
# They split the seeds: the runs of the two add up to 200, and the second did not run them all.
file(READ ${WORK}/first.txt out_a)
string(REGEX MATCH "ran ([0-9]+)" m "${out_a}")
set(ran_a ${CMAKE_MATCH_1})
string(REGEX MATCH "ran ([0-9]+)" m "${out_b}")
set(ran_b ${CMAKE_MATCH_1})
math(EXPR total "${ran_a} + ${ran_b}")
if(NOT total EQUAL 200 OR ran_b EQUAL 200)
  message(FATAL_ERROR "two concurrent sweeps ran ${ran_a} + ${ran_b} of 200 seeds:\n${out_a}\n${out_b}")
endif()
