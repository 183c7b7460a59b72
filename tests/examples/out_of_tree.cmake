# The out-of-tree pattern of examples/custom_pattern, built as its own project against the
# installed dtxsim package: it must build, list its pattern beside the built-in ones, find
# the violation its broken variant causes, and report none with its correct variant.
# -DBUILD: dtxsim's build tree; -DSOURCE: the example; -DWORK: a scratch directory.
file(REMOVE_RECURSE ${WORK})
function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_out "${out}" PARENT_SCOPE)
endfunction()

step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${WORK}/prefix)
step("configure the example" ${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK}/build
     -DCMAKE_PREFIX_PATH=${WORK}/prefix -DCMAKE_BUILD_TYPE=Release)
step("build the example" ${CMAKE_COMMAND} --build ${WORK}/build -j 2)
set(exe ${WORK}/build/my-dtxsim)

step("my-dtxsim list" ${exe} list)
foreach(want "notify — " "no_retry: " "outbox — ")
  string(FIND "${step_out}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "my-dtxsim list does not show '${want}':\n${step_out}")
  endif()
endforeach()

# The broken variant: its scenario expects the violations and exits 0 when they happen.
set(scenario ${SOURCE}/scenarios/notify-no_retry.json)
step("my-dtxsim run (no_retry)" ${exe} run ${scenario} --json ${WORK}/broken.json)
file(READ ${WORK}/broken.json broken)
string(JSON n LENGTH "${broken}" violations)
if(n EQUAL 0)
  message(FATAL_ERROR "notify:no_retry reported no violation on ${scenario}")
endif()

# The correct variant on the same faults: no violation at all.
execute_process(COMMAND ${exe} run ${scenario} --pattern notify:correct --json ${WORK}/correct.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc GREATER 1)
  message(FATAL_ERROR "my-dtxsim run (correct) failed (${rc}): ${err}")
endif()
file(READ ${WORK}/correct.json correct)
string(JSON n LENGTH "${correct}" violations)
if(NOT n EQUAL 0)
  string(JSON first GET "${correct}" violations 0 message)
  message(FATAL_ERROR "notify:correct reported ${n} violation(s); first: ${first}")
endif()

# The installed dtxsim command runs the built-in patterns.
step("installed dtxsim list" ${WORK}/prefix/bin/dtxsim list)
message(STATUS "out-of-tree pattern: built, listed, broken variant caught, correct variant clean")
