# Lessons (scenarios/lessons/NN-name/lesson.json): every lesson's steps must show what the lesson
# says, with pictures drawn from the runs as they happen now (ctest -L lesson); bad lesson
# files exit 2 naming the file, the JSON path and what was expected; wrong claims exit 1.
set(LESSONS ${PROJECT_SOURCE_DIR}/scenarios/lessons)
set(BAD_LESSONS ${CMAKE_CURRENT_SOURCE_DIR}/bad/lessons)
file(GLOB LESSON_FILES CONFIGURE_DEPENDS ${LESSONS}/*/lesson.json)
foreach(f ${LESSON_FILES})
  get_filename_component(dir ${f} DIRECTORY)
  get_filename_component(folder ${dir} NAME)
  string(REGEX MATCH "^[0-9]+" number ${folder})
  add_test(NAME "lesson: ${folder}"
           COMMAND ${CMAKE_COMMAND} -DCODE=0 "-DMATCH=as expected"
                   "-DCMD=$<TARGET_FILE:dtxsim>;lesson;run;${number};--dir;${LESSONS};-q;--check-page"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/scenarios/expect_exit.cmake)
  set_tests_properties("lesson: ${folder}" PROPERTIES LABELS lesson)
endforeach()

function(dtx_lesson_test name code match)
  add_test(NAME "lesson: ${name}" COMMAND ${CMAKE_COMMAND} -DCODE=${code} "-DMATCH=${match}"
           "-DCMD=$<TARGET_FILE:dtxsim>;lesson;${ARGN}"
           -P ${CMAKE_CURRENT_SOURCE_DIR}/scenarios/expect_exit.cmake)
  set_tests_properties("lesson: ${name}" PROPERTIES LABELS lesson)
endfunction()

dtx_lesson_test("list prints the syllabus" 0
                "01  Two writes are not a transaction;dtxsim lesson run 01;lessons, "
                list --dir ${LESSONS})
dtx_lesson_test("run by folder name" 0 "lesson 01: 4 of 4 steps as expected"
                run 01-dual-write --dir ${LESSONS} -q)
dtx_lesson_test("one step with its trace" 0
                "== step 3/4: the outbox on the broker cut;lesson 01: 1 of 1 step as expected"
                run 1 --step 3 --trace lesson-01-step3.jsonl --dir ${LESSONS})
dtx_lesson_test("unknown lesson" 2 "lesson '99': expected a lesson number or folder under;01-dual-write"
                run 99 --dir ${LESSONS})
dtx_lesson_test("step out of range" 2 "--step: expected a step of lesson 01 (1 to 4), got 7"
                run 1 --step 7 --dir ${LESSONS})
dtx_lesson_test("trace needs a step" 2 "--trace: expected --step N too (lesson 01 has 4 steps"
                run 1 --trace t.jsonl --dir ${LESSONS})
dtx_lesson_test("every error of a lesson file" 2
                "01-many-errors/lesson.json: $.minutes: expected an integer in [1, 240];01-many-errors/lesson.json: $.steps[0].pattern: unknown pattern 'nope';$.steps[0].expect[0]: expected one of;got \"no_lots\";$.steps[0].metrics.latency: unknown key;$.steps[0].metrics.alerts.max: expected a max at least the min (3);$.steps[0].metrics.retries.min: expected a min or a max;$.steps[1].expect: expected an array of the invariants;$.steps[1].shows: expected a string (required);$.steps[1].colour: unknown key"
                run 1 --dir ${BAD_LESSONS})
dtx_lesson_test("a step's scenario that does not load" 2
                "06-missing-scenario/lesson.json: $.steps[0].scenario: expected a scenario that runs, got 'missing.json';06-missing-scenario/missing.json: cannot open file"
                run 6 --dir ${BAD_LESSONS})
dtx_lesson_test("not JSON" 2 "04-not-json/lesson.json: " run 4 --dir ${BAD_LESSONS})
dtx_lesson_test("no steps" 2 "05-no-steps/lesson.json: $.steps: expected at least one step" run 5 --dir ${BAD_LESSONS})
dtx_lesson_test("list stops at a bad lesson file" 2 "01-many-errors/lesson.json: $.minutes" list --dir ${BAD_LESSONS})
dtx_lesson_test("wrong claims exit 1, naming the step and the difference" 1
                "step 1: NOT as expected;unexpected violation of no_lost;expected a violation of no_phantom that did not happen;step 2: NOT as expected;broken_transactions is 22, expected at most 5;step 3: as expected;lesson 02: 1 of 3 steps as expected"
                run 2 --dir ${BAD_LESSONS} -q)
dtx_lesson_test("stale or missing pictures exit 1" 1
                "was drawn from another outcome (fingerprint 0123456789abcdef;step1.png is missing;step 2 has no pictures"
                run 3 --dir ${BAD_LESSONS} -q --check-page)
dtx_lesson_test("pictures are checked only when asked" 0 "lesson 03: 2 of 2 steps as expected"
                run 3 --dir ${BAD_LESSONS} -q)
dtx_lesson_test("a misquoted line of the page exits 1" 1
                "page: README.md quotes 'FINDING 1: 23 transactions break atomicity', which the run does not print;lesson 07: 0 of 1 step as expected"
                run 7 --dir ${BAD_LESSONS} -q --check-page)
