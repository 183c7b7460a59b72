# Golden trace: runs SCENARIO and compares its trace, byte for byte, with the committed GOLDEN
# (the header's build id, which names the compiler and commit, is replaced by "golden" on both
# sides). Any change to trace bytes fails here and shows in review; when the change is meant,
# `scripts/golden` rewrites the golden files. Inputs: DTXSIM, SCENARIO, GOLDEN, OUT.
execute_process(COMMAND ${DTXSIM} run ${SCENARIO} --trace ${OUT} -q
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc GREATER 1)
  message(FATAL_ERROR "dtxsim run ${SCENARIO} failed (${rc}): ${err}")
endif()
file(READ ${OUT} got)
file(READ ${GOLDEN} want)
file(REMOVE ${OUT})
set(build_re "\"build\":\"[^\"]*\"")
string(REGEX REPLACE "${build_re}" "\"build\":\"golden\"" got "${got}")
string(REGEX REPLACE "${build_re}" "\"build\":\"golden\"" want "${want}")
if(got STREQUAL want)
  return()
endif()
# Name the first line that differs.
string(REPLACE "\n" ";" got_lines "${got}")
string(REPLACE "\n" ";" want_lines "${want}")
list(LENGTH got_lines ng)
list(LENGTH want_lines nw)
set(n ${ng})
if(nw LESS n)
  set(n ${nw})
endif()
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  list(GET got_lines ${i} g)
  list(GET want_lines ${i} w)
  if(NOT g STREQUAL w)
    math(EXPR line "${i} + 1")
    message(FATAL_ERROR "the trace of ${SCENARIO} differs from ${GOLDEN} at line ${line}\n"
                        "golden: ${w}\nnow:    ${g}\n"
                        "If the change is intended, run scripts/golden and commit the new traces.")
  endif()
endforeach()
message(FATAL_ERROR "the trace of ${SCENARIO} has ${ng} lines, ${GOLDEN} has ${nw}; "
                    "if the change is intended, run scripts/golden and commit the new traces.")
