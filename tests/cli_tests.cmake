# Python tests (pytest on Debian's python3): the command line end to end, the bad-input
# corpus, and the HDF5 file read with h5py and xarray. Each file is one ctest test.
if(NOT Python3_Interpreter_FOUND)
  message(WARNING "python3 not found: the Python tests are not registered")
  return()
endif()
execute_process(COMMAND ${Python3_EXECUTABLE} -c "import pytest, h5py, xarray, h5netcdf, pandas, matplotlib"
                RESULT_VARIABLE python_modules_missing OUTPUT_QUIET ERROR_QUIET)
if(python_modules_missing)
  message(WARNING "${Python3_EXECUTABLE} lacks pytest/h5py/xarray/h5netcdf/pandas/matplotlib: Python tests not registered "
                  "(install them with scripts/bootstrap.sh deps)")
  return()
endif()
# These also run in the sanitizer build (label sanitize; scripts/bootstrap.sh test): their subject
# is bad input (the corpus) and bad output paths, where a memory error would hide behind a clean
# message. The rest run the same code through the CLI and run in the release build only (time).
set(sanitized_python_tests test_bad_input test_output_paths)
# The Python module (sim/python/), when built: tests that use it fail rather than skip when
# FLEETSIM_PYTHON_DIR is set and it does not import.
set(python_path ${PROJECT_SOURCE_DIR}/analysis)
set(python_module_dir "")
if(TARGET fleetsim_python)
  set(python_module_dir ${PROJECT_BINARY_DIR}/python)
  set(python_path ${python_module_dir}:${python_path})
endif()
# These install the build into a temporary prefix and build a project against it (label install;
# docs/install.md): they need the build's folder, its cmake and its C++ compiler.
set(install_python_tests test_install)
file(GLOB python_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/python/test_*.py)
foreach(test_file ${python_tests})
  get_filename_component(test_name ${test_file} NAME_WE)
  add_test(NAME "python: ${test_name}"
           COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider ${test_file}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set(labels python)
  if(test_name IN_LIST sanitized_python_tests)
    list(APPEND labels sanitize)
  endif()
  if(test_name IN_LIST install_python_tests)
    list(APPEND labels install)
  endif()
  set_tests_properties("python: ${test_name}" PROPERTIES
    LABELS "${labels}"
    ENVIRONMENT "FLEETSIM_BIN=$<TARGET_FILE:fleetsim>;FLEETSIM_SOURCE_DIR=${PROJECT_SOURCE_DIR};FLEETSIM_SHARED_DATA=${FLEETSIM_SHARED_DATA};FLEETSIM_PYTHON_DIR=${python_module_dir};PYTHONPATH=${python_path}")
  if(test_name IN_LIST install_python_tests)
    set_property(TEST "python: ${test_name}" APPEND PROPERTY ENVIRONMENT
                 "FLEETSIM_BUILD_DIR=${PROJECT_BINARY_DIR};FLEETSIM_CMAKE=${CMAKE_COMMAND}")
  endif()
  if(CMAKE_BUILD_TYPE STREQUAL "Sanitize")  # the binary under test is slow: tests may do less
    set_property(TEST "python: ${test_name}" APPEND PROPERTY ENVIRONMENT "FLEETSIM_SANITIZED=1")
  endif()
endforeach()
