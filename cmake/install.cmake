# `cmake --install` puts the dtxsim libraries, their headers, the dtxsim command and a CMake
# package (find_package(dtxsim)) under the prefix, so a team's own pattern can live in its own
# repository, link dtxsim::dtxsim_app and run through the same verbs (see examples/).
include(CMakePackageConfigHelpers)

set(DTXSIM_LIBRARIES dtxsim_kernel dtxsim_world dtxsim_check dtxsim_scenario dtxsim_plugin
                     dtxsim_patterns dtxsim_app)
install(TARGETS ${DTXSIM_LIBRARIES} EXPORT dtxsimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS dtxsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(dir sim patterns app)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dtxsim/${dir}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT dtxsimTargets NAMESPACE dtxsim:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dtxsim)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/dtxsimConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/dtxsimConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dtxsim)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dtxsimConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/dtxsimConfig.cmake ${PROJECT_BINARY_DIR}/dtxsimConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dtxsim)
