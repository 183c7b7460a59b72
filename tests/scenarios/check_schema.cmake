# The shipped JSON Schema must equal what the loader generates (`dtxsim schema`).
execute_process(COMMAND ${DTXSIM} schema OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "dtxsim schema failed")
endif()
file(READ ${SCHEMA} shipped)
if(NOT generated STREQUAL shipped)
  message(FATAL_ERROR "scenarios/schema.json is out of date: regenerate with `dtxsim schema > scenarios/schema.json`")
endif()
