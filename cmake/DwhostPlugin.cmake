# dwhost_add_plugin(<name> SOURCES a.c b.c ... [OUTPUT_DIR dir] [NO_INSTALL] [INCLUDE_DIRS ...])
#
# Builds libsource_<name>.so as a MODULE: compiled against sdk/ only, linked
# to nothing of the host, -fvisibility=hidden so that the descriptor
# (DW_EXPORT const dw_source dwhost_source) is the only exported symbol.
function(dwhost_add_plugin name)
  cmake_parse_arguments(P "NO_INSTALL" "OUTPUT_DIR;SDK_INCLUDE_DIR" "SOURCES;INCLUDE_DIRS" ${ARGN})
  set(target "source_${name}")
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR "${DWHOST_PLUGIN_BUILD_DIR}")
  endif()
  if(NOT P_SDK_INCLUDE_DIR)
    set(P_SDK_INCLUDE_DIR "${CMAKE_SOURCE_DIR}/sdk")
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "source_${name}"
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY "${P_OUTPUT_DIR}")
  target_include_directories(${target} PRIVATE "${P_SDK_INCLUDE_DIR}" ${P_INCLUDE_DIRS})
  # A plugin must not reach for libc networking or libcurl itself: the
  # tracked transport is in the function table.  tools/plugin-audit checks.
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  if(NOT P_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/dwhost/plugins")
  endif()
endfunction()
