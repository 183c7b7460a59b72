# Runs a command and checks its exit code and output: cmake -DCMD=a|b|c -DEXPECT_RC=N
# [-DEXPECT_OUT=regex] [-DTRUNCATE_SRC=f -DTRUNCATE_DST=g -DTRUNCATE_BYTES=n] -P run_expect.cmake
# "|" separates arguments because ";" would be split by add_test. The optional truncation
# writes the first n bytes of SRC to DST first, to make a damaged trace.
if(DEFINED TRUNCATE_SRC)
  file(READ "${TRUNCATE_SRC}" head LIMIT ${TRUNCATE_BYTES})
  # CMake 3.25 can return one character more than LIMIT (a newline), which would heal the cut.
  string(SUBSTRING "${head}" 0 ${TRUNCATE_BYTES} head)
  file(WRITE "${TRUNCATE_DST}" "${head}")
endif()
string(REPLACE "|" ";" cmd "${CMD}")
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("exit ${rc}\nstdout: ${out}\nstderr: ${err}")
if(NOT rc STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "expected exit ${EXPECT_RC}, got ${rc}")
endif()
if(DEFINED EXPECT_OUT AND NOT "${out}${err}" MATCHES "${EXPECT_OUT}")
  message(FATAL_ERROR "output does not match '${EXPECT_OUT}'")
endif()
