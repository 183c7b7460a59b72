# Runs one fuzz target (tests/fuzz/CMakeLists.txt). MODE=replay: every kept crash input under
# REGRESSIONS once; replay_all: the seeds too (the non-libFuzzer replay binary); run: libFuzzer
# for $ENV{DTXSIM_FUZZ_SECONDS} (default 60) seconds from the seeds and what earlier runs found
# (WORK/corpus), not from the kept inputs (one still open would stop it at start: the replay
# test reports those). A crash is copied to REGRESSIONS, replayed from then on: commit it with
# the fix.
string(REPLACE "|" ";" SEEDS "${SEEDS}")  # seed paths, separated by '|' on the command line

function(files_of out)
  set(files)
  foreach(p IN LISTS ARGN)
    if(IS_DIRECTORY "${p}")
      file(GLOB_RECURSE found LIST_DIRECTORIES false "${p}/*")
      list(FILTER found EXCLUDE REGEX "/\\.[^/]*$|/README\\.md$")
      list(APPEND files ${found})
    elseif(EXISTS "${p}")
      list(APPEND files "${p}")
    endif()
  endforeach()
  list(SORT files)
  set(${out} ${files} PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "replay" OR MODE STREQUAL "replay_all")
  if(MODE STREQUAL "replay_all")
    files_of(inputs ${SEEDS} ${REGRESSIONS})
  else()
    files_of(inputs ${REGRESSIONS})
  endif()
  list(LENGTH inputs n)
  if(n EQUAL 0)
    message(STATUS "${TARGET}: no inputs to replay")
    return()
  endif()
  execute_process(COMMAND ${EXE} ${inputs} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${TARGET}: replay of ${n} inputs failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${TARGET}: replayed ${n} inputs without a crash")
  return()
endif()

set(seconds 60)
if(DEFINED ENV{DTXSIM_FUZZ_SECONDS})
  set(seconds $ENV{DTXSIM_FUZZ_SECONDS})
endif()
set(corpus ${WORK}/corpus)
set(seeds ${WORK}/seeds)
set(artifacts ${WORK}/artifacts)
file(REMOVE_RECURSE ${seeds} ${artifacts})
file(MAKE_DIRECTORY ${corpus} ${seeds} ${artifacts} ${REGRESSIONS})
files_of(seed_files ${SEEDS})
file(COPY ${seed_files} DESTINATION ${seeds})
# Deep recursion is bounded by max_len (and found as a crash if it overflows the stack); a slow
# input (over 10 s) is a finding too.
execute_process(
  COMMAND ${EXE} -max_total_time=${seconds} -max_len=${MAX_LEN} -timeout=10 -rss_limit_mb=2048
          -dict=${DICT} -print_final_stats=1 -artifact_prefix=${artifacts}/
          ${corpus} ${seeds}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCHALL "#[0-9]+[^\n]*DONE[^\n]*|stat::[^\n]*" summary "${err}")
string(REPLACE ";" "\n" summary "${summary}")
message(STATUS "${TARGET}: ${seconds} s\n${summary}")
file(GLOB found ${artifacts}/*)
if(found)
  file(COPY ${found} DESTINATION ${REGRESSIONS})
endif()
if(NOT rc EQUAL 0 OR found)
  string(LENGTH "${err}" len)
  if(len GREATER 12000)
    math(EXPR from "${len} - 12000")
    string(SUBSTRING "${err}" ${from} 12000 err)
  endif()
  message(FATAL_ERROR "${TARGET}: libFuzzer found a crash (${rc}); the input is kept under "
                      "${REGRESSIONS}:\n${found}\n${err}")
endif()
