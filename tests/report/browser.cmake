# Renders the HTML comparison report in headless Chromium at 1400 px and checks the layout
# the browser computed: every chart is present and drawn, no element extends past the
# viewport (document.scrollWidth included), no chart label falls outside its chart. A
# screenshot of the page is written beside it (SHOT).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${DTXSIM} compare ${SRC}/scenarios/compare/compare-transfer.json --seeds 1..3
                        --patterns local_message_table,mq_half_message,mq_transaction,outbox,saga,tcc,two_phase_message,outbox:dual_write_commit_first
                        --jobs 2 --explore --load 10,50,200 --db ${WORK}/r.db --report ${WORK}/report.html -q
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compare failed (${rc}): ${out}${err}")
endif()
file(READ ${WORK}/report.html html)
file(READ ${CMAKE_CURRENT_LIST_DIR}/layout_check.js js)
string(REPLACE "</body>" "<script>${js}</script></body>" checked "${html}")
file(WRITE ${WORK}/checked.html "${checked}")
set(flags --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars
          --window-size=1400,1000 --virtual-time-budget=5000)
execute_process(COMMAND ${CHROMIUM} ${flags} --dump-dom file://${WORK}/checked.html
                RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0 OR NOT dom MATCHES "DTX-LAYOUT ([^<]*) END")
  message(FATAL_ERROR "chromium did not render the page (${rc}): ${err}")
endif()
set(line "${CMAKE_MATCH_1}")
message("${line}")
# Three cost charts and two load-curve charts.
if(NOT line MATCHES "charts=5 drawn=5 ")
  message(FATAL_ERROR "expected 5 drawn charts: ${line}")
endif()
if(NOT line MATCHES "viewport=1400 scrollWidth=([0-9]+) overflowing=0 clipped_labels=0 ")
  message(FATAL_ERROR "the page overflows 1400 px or a chart label is cut: ${line}")
endif()
if(CMAKE_MATCH_1 GREATER 1400)
  message(FATAL_ERROR "document.scrollWidth ${CMAKE_MATCH_1} > 1400: ${line}")
endif()
if(SHOT)
  execute_process(COMMAND ${CHROMIUM} ${flags} --window-size=1400,2400 --screenshot=${SHOT}
                          file://${WORK}/report.html
                  RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL 0 OR NOT EXISTS ${SHOT})
    message(FATAL_ERROR "chromium --screenshot failed (${rc}): ${err}")
  endif()
endif()
