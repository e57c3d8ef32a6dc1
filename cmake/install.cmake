# `cmake --install BUILD --prefix PREFIX` (docs/install.md): the fleetsim command, the module
# libraries and headers (installed by fleetsim_module, cmake/warnings.cmake), the CMake package
# (find_package(fleetsim) → fleetsim::fleetsim), the man page, the bash completion and the
# analysis package. Tests, benchmarks and fuzz harnesses have no install rules.
include(CMakePackageConfigHelpers)

install(TARGETS fleetsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# fleetsim::fleetsim: every module, and through them their dependencies.
get_property(fleetsim_modules GLOBAL PROPERTY FLEETSIM_MODULES)
add_library(fleetsim_all INTERFACE)
target_link_libraries(fleetsim_all INTERFACE ${fleetsim_modules})
set_target_properties(fleetsim_all PROPERTIES EXPORT_NAME fleetsim)
add_library(fleetsim::fleetsim ALIAS fleetsim_all)
set_target_properties(fleetsim_sanitizers PROPERTIES EXPORT_NAME sanitizers)
install(TARGETS fleetsim_all fleetsim_sanitizers EXPORT fleetsimTargets)

set(FLEETSIM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/fleetsim)
install(EXPORT fleetsimTargets NAMESPACE fleetsim:: DESTINATION ${FLEETSIM_INSTALL_CMAKEDIR})
# The config finds what the static libraries' link interface names (fleetsimConfig.cmake.in).
if(FLEETSIM_MPI AND MPI_CXX_FOUND)
  set(FLEETSIM_WITH_MPI ON)
else()
  set(FLEETSIM_WITH_MPI OFF)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/fleetsimConfig.cmake.in ${PROJECT_BINARY_DIR}/fleetsimConfig.cmake
                              INSTALL_DESTINATION ${FLEETSIM_INSTALL_CMAKEDIR})
# 0.x: a minor release may change the API, so only the same major.minor satisfies a request.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fleetsimConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/fleetsimConfig.cmake ${PROJECT_BINARY_DIR}/fleetsimConfigVersion.cmake
        DESTINATION ${FLEETSIM_INSTALL_CMAKEDIR})

install(FILES docs/fleetsim.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES scripts/completion/fleetsim.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME fleetsim)
install(DIRECTORY analysis/fleetsim_analysis DESTINATION ${FLEETSIM_PYTHON_INSTALL_DIR}
        PATTERN __pycache__ EXCLUDE PATTERN *.pyc EXCLUDE)
