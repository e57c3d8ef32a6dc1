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

# fleetsim_module(NAME SOURCES... DEPENDS targets... PRIVATE_DEPENDS targets...): one static
# library per module under sim/. A module links only the modules it may use
# (docs/architecture.md), so a call into a module it may not use fails to link. All modules
# share the sim/ include root, so tests/python/test_architecture.py also checks every
# #include against the same map.
function(fleetsim_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  add_library(fleetsim_${name} STATIC ${ARG_SOURCES})
  target_include_directories(fleetsim_${name} PUBLIC ${PROJECT_SOURCE_DIR}/sim ${PROJECT_BINARY_DIR}/sim)
  target_link_libraries(fleetsim_${name} PUBLIC ${ARG_DEPENDS} PRIVATE ${ARG_PRIVATE_DEPENDS} fleetsim_warnings fleetsim_sanitizers)
  add_library(fleetsim::${name} ALIAS fleetsim_${name})
endfunction()
