# One interface target carries the project's warning flags; every fleetsim target links it.
add_library(fleetsim_warnings INTERFACE)
target_compile_options(fleetsim_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wdouble-promotion
  -Wimplicit-fallthrough
  # Aggregates with default member initializers are meant to be initialised in part
  # (fleet::ClusterSpec{type, gpus} leaves its capacity steps empty).
  -Wno-missing-field-initializers)
if(FLEETSIM_WERROR)
  target_compile_options(fleetsim_warnings INTERFACE -Werror)
endif()

# Sanitizers (docs/reliability.md): FLEETSIM_SANITIZE builds every target with AddressSanitizer
# and UndefinedBehaviorSanitizer (CMakePresets.json, preset "asan"); FLEETSIM_FUZZ (clang only)
# adds libFuzzer's coverage instrumentation for the harnesses of tests/fuzz (preset "fuzz").
# No report is recovered from (-fno-sanitize-recover=all): the first one ends the process with
# an error, so it fails the test that caused it. _GLIBCXX_ASSERTIONS also checks the standard
# library's preconditions (an index in range, front() of a non-empty vector), which ASan misses
# inside a vector's capacity.
add_library(fleetsim_sanitizers INTERFACE)
if(FLEETSIM_SANITIZE OR FLEETSIM_FUZZ)
  target_compile_options(fleetsim_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_definitions(fleetsim_sanitizers INTERFACE _GLIBCXX_ASSERTIONS)
  target_link_options(fleetsim_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(FLEETSIM_FUZZ)
  target_compile_options(fleetsim_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()

# fleetsim_module(NAME SOURCES... DEPENDS targets... PRIVATE_DEPENDS targets... PRIVATE_HEADERS files...):
# one static library per module under sim/. A module links only the modules it may use
# (docs/architecture.md), so a call into a module it may not use fails to link. All modules
# share the sim/ include root, so tests/python/test_architecture.py also checks every
# #include against the same map.
#
# Installed (cmake/install.cmake, docs/install.md) as lib/libfleetsim_NAME.a, exported as
# fleetsim::NAME, with its headers in include/fleetsim/NAME/: include/fleetsim is the installed
# include root, so "core/error.hpp" resolves there as it does in sim/. PRIVATE_HEADERS are not
# installed: headers used only inside the module that include a private dependency's headers
# (hdf5.h, yaml-cpp's), which a consumer need not find. fleetsim_warnings stays out of the
# installed link interface (its flags are this project's); fleetsim_sanitizers is exported, since
# a sanitized static library needs the sanitizer runtime where it is linked.
set(FLEETSIM_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/fleetsim)
function(fleetsim_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;PRIVATE_DEPENDS;PRIVATE_HEADERS" ${ARGN})
  add_library(fleetsim_${name} STATIC ${ARG_SOURCES})
  target_compile_features(fleetsim_${name} PUBLIC cxx_std_20)
  target_include_directories(fleetsim_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/sim> $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/sim>
    $<INSTALL_INTERFACE:${FLEETSIM_INSTALL_INCLUDEDIR}>)
  target_link_libraries(fleetsim_${name} PUBLIC ${ARG_DEPENDS} PRIVATE ${ARG_PRIVATE_DEPENDS}
                        $<BUILD_INTERFACE:fleetsim_warnings> fleetsim_sanitizers)
  set_target_properties(fleetsim_${name} PROPERTIES EXPORT_NAME ${name})
  add_library(fleetsim::${name} ALIAS fleetsim_${name})
  set_property(GLOBAL APPEND PROPERTY FLEETSIM_MODULES fleetsim_${name})

  file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.hpp)
  foreach(header ${ARG_PRIVATE_HEADERS})
    list(REMOVE_ITEM headers ${CMAKE_CURRENT_SOURCE_DIR}/${header})
  endforeach()
  install(TARGETS fleetsim_${name} EXPORT fleetsimTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES ${headers} DESTINATION ${FLEETSIM_INSTALL_INCLUDEDIR}/${name})
endfunction()
