# cmake --install: headers, the libraries, the braid tool, a CMake package
# (find_package(braid CONFIG) → braid::braid, braid::store), braid.pc for pkg-config, and the
# licence (MIT) in share/doc/braid.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(braid_client PROPERTIES OUTPUT_NAME braid EXPORT_NAME braid)
set_target_properties(braid_protocol PROPERTIES EXPORT_NAME protocol)
set_target_properties(braid_store PROPERTIES EXPORT_NAME store)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/braid DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS braid_client braid_protocol braid_store EXPORT braidTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(TARGET braid_tool)
  install(TARGETS braid_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(braid_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/braid)
install(EXPORT braidTargets NAMESPACE braid:: DESTINATION ${braid_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/braidConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/braidConfig.cmake
                              INSTALL_DESTINATION ${braid_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/braidConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/braidConfig.cmake ${PROJECT_BINARY_DIR}/braidConfigVersion.cmake
        DESTINATION ${braid_cmake_dir})

# braid.pc finds the prefix from its own place: lib/pkgconfig → ../..
string(REGEX REPLACE "[^/]+" ".." braid_pc_up "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
configure_file(${PROJECT_SOURCE_DIR}/cmake/braid.pc.in ${PROJECT_BINARY_DIR}/braid.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/braid.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
