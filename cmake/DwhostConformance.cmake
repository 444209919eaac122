# dwhost_add_conformance_test(<test name>
#     SOURCE <source name> CONFIG <config template>
#     [SERVER <command> [args...]] [VARS NAME=VALUE...] [PLUGIN_DIR <dir>]... [DWHOST <path>]
#     [ARGS <dwhost conformance args>...] [TIMEOUT <s>])
#
# Adds a CTest test that runs `dwhost conformance <source>` through
# tools/conformance-run: the optional SERVER is started first and must
# print "PORT <n>" on its first stdout line; "@PORT@" in the CONFIG template
# becomes that port and dwhost runs with --allow-internal.  Each VARS entry
# NAME=VALUE replaces @NAME@ in the template (e.g. SOURCE_DIR=${CMAKE_SOURCE_DIR}).  The test fails
# when any conformance check fails (exit 10) or dwhost cannot run.
#
# In this repository the defaults point at the build tree.  A third-party
# plugin repository includes this file (installed next to dwsdkConfig.cmake)
# and passes PLUGIN_DIR (its build output); DWHOST defaults to the dwhost
# installed with this file (<prefix>/bin/dwhost), so nothing needs to be on
# PATH.
set(DWHOST_CONFORMANCE_RUN "${CMAKE_CURRENT_LIST_DIR}/../tools/conformance-run")
if(NOT EXISTS "${DWHOST_CONFORMANCE_RUN}")
  # Installed layout: <prefix>/lib/cmake/dwsdk/ and <prefix>/bin/dwhost-conformance-run
  get_filename_component(_dwh_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
  set(DWHOST_CONFORMANCE_RUN "${_dwh_prefix}/bin/dwhost-conformance-run")
  set(DWHOST_CONFORMANCE_DWHOST "${_dwh_prefix}/bin/dwhost")
endif()

function(dwhost_add_conformance_test name)
  cmake_parse_arguments(C "" "SOURCE;CONFIG;DWHOST;TIMEOUT" "SERVER;PLUGIN_DIR;ARGS;VARS" ${ARGN})
  if(NOT C_SOURCE OR NOT C_CONFIG)
    message(FATAL_ERROR "dwhost_add_conformance_test(${name}): SOURCE and CONFIG are required")
  endif()
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  set(cmd "${Python3_EXECUTABLE}" "${DWHOST_CONFORMANCE_RUN}" "${C_SOURCE}" --config "${C_CONFIG}")
  if(C_DWHOST)
    list(APPEND cmd --dwhost "${C_DWHOST}")
  elseif(TARGET dwhost_cli)
    list(APPEND cmd --dwhost "$<TARGET_FILE:dwhost_cli>")
  elseif(DWHOST_CONFORMANCE_DWHOST)
    list(APPEND cmd --dwhost "${DWHOST_CONFORMANCE_DWHOST}")
  endif()
  if(NOT C_PLUGIN_DIR AND DEFINED DWHOST_PLUGIN_BUILD_DIR)
    set(C_PLUGIN_DIR "${DWHOST_PLUGIN_BUILD_DIR}")
  endif()
  foreach(d IN LISTS C_PLUGIN_DIR)
    list(APPEND cmd --plugin-dir "${d}")
  endforeach()
  foreach(v IN LISTS C_VARS)
    list(APPEND cmd --var "${v}")
  endforeach()
  if(C_SERVER)
    list(JOIN C_SERVER " " server)
    list(APPEND cmd --server "${server}")
  endif()
  if(C_ARGS)
    list(APPEND cmd -- ${C_ARGS})
  endif()
  add_test(NAME ${name} COMMAND ${cmd})
  if(NOT C_TIMEOUT)
    set(C_TIMEOUT 180)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${C_TIMEOUT} LABELS conformance)
endfunction()

if(DEFINED DWHOST_PLUGIN_BUILD_DIR)
  # Building dwhost itself: ship the helper and this module with the SDK.
  install(PROGRAMS "${CMAKE_CURRENT_LIST_DIR}/../tools/conformance-run" DESTINATION "${CMAKE_INSTALL_BINDIR}"
    RENAME dwhost-conformance-run)
  install(FILES "${CMAKE_CURRENT_LIST_FILE}" DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/dwsdk")
endif()
