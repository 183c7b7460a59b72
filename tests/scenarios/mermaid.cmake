# `dtxsim export --format mermaid` checked by Mermaid's own parser: runs each scenario of
# SCENARIOS (a ;-list) with a trace, exports its first finding's diagram, and parses every
# diagram with tools/mermaid-check (node). Inputs: DTXSIM, NODE, CHECKER, SCENARIOS, WORK.
if(NOT EXISTS ${CHECKER}/node_modules/mermaid)
  message(FATAL_ERROR "${CHECKER}/node_modules/mermaid is missing: run scripts/bootstrap "
                      "(it runs npm ci there)")
endif()
file(MAKE_DIRECTORY ${WORK})
set(diagrams)
foreach(s IN LISTS SCENARIOS)
  get_filename_component(name ${s} NAME_WE)
  execute_process(COMMAND ${DTXSIM} run ${s} -q --trace ${WORK}/${name}.jsonl
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(rc GREATER 1)
    message(FATAL_ERROR "dtxsim run ${s} failed (${rc}): ${err}")
  endif()
  execute_process(COMMAND ${DTXSIM} export ${WORK}/${name}.jsonl --format mermaid
                          --out ${WORK}/${name}.mmd
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dtxsim export ${name} failed (${rc}): ${err}")
  endif()
  file(READ ${WORK}/${name}.mmd text)
  if(NOT text MATCHES "^sequenceDiagram\n.*DECISIVE")
    message(FATAL_ERROR "${name}.mmd is no sequence diagram with its decisive step:\n${text}")
  endif()
  list(APPEND diagrams ${WORK}/${name}.mmd)
endforeach()
execute_process(COMMAND ${NODE} ${CHECKER}/check.mjs ${diagrams} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "Mermaid rejects a diagram:\n${out}${err}")
endif()
message(STATUS "${out}")
