# neuroreg_add_plugin(<target> SOURCES <src>... [LIBRARIES <lib>...])
#
# Builds a NeuroReg plugin: a shared module that links the SDK, with hidden
# visibility so only the entry point is exported. Used in-tree and, from the
# installed package, by out-of-tree plugins (see examples/).
function(neuroreg_add_plugin target)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
    message(WARNING "neuroreg_add_plugin(${target}): no CMAKE_BUILD_TYPE, so the plugin is "
      "built without optimisation and slows every training step; configure with "
      "-DCMAKE_BUILD_TYPE=Release")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE neuroreg::sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_STANDARD 17
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()
