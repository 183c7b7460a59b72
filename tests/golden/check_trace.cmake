# Golden trace: runs SCENARIO and compares its trace, byte for byte, with the committed GOLDEN
# (the header's build id, which names the compiler and commit, and the trailer's trace hash,
# which covers it, are replaced by "golden" on both sides). Any change to trace bytes fails here and shows in review; when the change is meant,
# `scripts/golden` rewrites the golden files. Inputs: DTXSIM, SCENARIO, GOLDEN, OUT.
execute_process(COMMAND ${DTXSIM} run ${SCENARIO} --trace ${OUT} -q
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc GREATER 1)
  message(FATAL_ERROR "dtxsim run ${SCENARIO} failed (${rc}): ${err}")
endif()
file(READ ${OUT} got)
file(READ ${GOLDEN} want)
file(REMOVE ${OUT})
# The build id names the compiler and the commit; the trace hash in the trailer covers it.
set(build_re "\"build\":\"[^\"]*\"")
set(hash_re "\"trace_hash\":\"[0-9a-f]*\"")
foreach(v got want)
  string(REGEX REPLACE "${build_re}" "\"build\":\"golden\"" ${v} "${${v}}")
  string(REGEX REPLACE "${hash_re}" "\"trace_hash\":\"golden\"" ${v} "${${v}}")
endforeach()
if(got STREQUAL want)
  return()
endif()
file(WRITE ${OUT}.now "${got}")
file(WRITE ${OUT}.golden "${want}")
execute_process(COMMAND diff -u ${OUT}.golden ${OUT}.now OUTPUT_VARIABLE d)
string(LENGTH "${d}" n)
if(n GREATER 4000)
  string(SUBSTRING "${d}" 0 4000 d)
endif()
message(FATAL_ERROR "the trace of ${SCENARIO} differs from ${GOLDEN}:\n${d}\n"
                    "If the change is intended, run scripts/golden and commit the new traces.")
