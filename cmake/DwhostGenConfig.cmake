# dwhost_plugin_config(<name>)
#
# Declares that plugins/<name>/<name>_config.{h,c} are GENERATED from the
# plugin's fields by dwhost-gen-config (tools/gen_config) and committed:
#   - target gen-config-<name> regenerates them in the plugin's source dir
#     from the built libsource_<name>.so (tools/gen-config <name> runs it);
#   - the ctest generated-configs-fresh fails when they are stale.
# Call it in the plugin's CMakeLists.txt after dwhost_add_plugin(<name> ...);
# <name>_config.c joins the plugin's sources once it exists.  First time:
# add this call, build, run tools/gen-config <name>, then bind <name>_config.
function(dwhost_plugin_config name)
  if(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${name}_config.c")
    target_sources(source_${name} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/${name}_config.c")
  endif()
  add_custom_target(gen-config-${name}
    COMMAND dwhost_gen_config --plugin-dir "${DWHOST_PLUGIN_BUILD_DIR}" --out "${CMAKE_CURRENT_SOURCE_DIR}" ${name}
    DEPENDS source_${name} dwhost_gen_config
    COMMENT "Regenerating ${name}_config.{h,c} from the built plugin's fields"
    VERBATIM)
  set_property(GLOBAL APPEND PROPERTY DWHOST_GENERATED_CONFIGS "${name}=${CMAKE_CURRENT_SOURCE_DIR}")
endfunction()
