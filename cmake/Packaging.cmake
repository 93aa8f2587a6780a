# The Debian package a technician installs: `cpack` in a build of the native
# (dev/release), aarch64 or armhf preset makes
# city-edge-gateway_<version>_<amd64|arm64|armhf>.deb holding gatewayd,
# gatewayctl, sitesim, the example config as a conffile, a hardened systemd
# unit and the maintainer scripts in packaging/. See docs/arm.md.
set(GW_PACKAGED_PROGRAMS gatewayd gatewayctl)
if(TARGET sitesim)
  # Installed by tools/sitesim/CMakeLists.txt.
  list(APPEND GW_PACKAGED_PROGRAMS sitesim)
endif()
# What the package holds, as one target: `cmake --build --target gw_programs`
# builds just that (the armhf build preset does).
add_custom_target(gw_programs)
add_dependencies(gw_programs ${GW_PACKAGED_PROGRAMS})

set(_gw_pkg ${PROJECT_SOURCE_DIR}/packaging)
install(FILES ${PROJECT_SOURCE_DIR}/firmware/base/config/gateway.example.toml
        DESTINATION /etc/city-edge-gateway RENAME gateway.toml)
install(FILES ${_gw_pkg}/city-edge-gateway.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/arm.md
        DESTINATION share/doc/city-edge-gateway)
install(FILES ${PROJECT_SOURCE_DIR}/firmware/base/config/gateway.example.toml
        DESTINATION share/doc/city-edge-gateway/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME city-edge-gateway)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "city-edge-gateway maintainers <gateway@city.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "city sensor-site gateway: Modbus/serial/camera input, local detection, MQTT uplink")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "gatewayd reads Modbus RTU/TCP and serial sensors and cameras at a city sensor\n site, detects flooding, fire, elevator faults and crowding locally, keeps\n every event on disk until the district center's MQTT broker acknowledged it.\n gatewayctl provisions and diagnoses it.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_gw_pkg}/postinst ${_gw_pkg}/prerm ${_gw_pkg}/postrm ${_gw_pkg}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# useradd/groupadd in postinst.
set(GW_DEB_EXTRA_DEPENDS "passwd")

if(CMAKE_CROSSCOMPILING)
  # dpkg-shlibdeps cannot read an extracted sysroot (it has no dpkg database),
  # so the Depends line comes from the binaries' NEEDED sonames looked up in
  # the sysroot's shlibs files (cross/sysroot), at cpack time, when the
  # binaries exist: cmake/PackageDepends.cmake.
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${GW_DEB_ARCH})
  set(_gw_programs_list "")
  foreach(p ${GW_PACKAGED_PROGRAMS})
    string(APPEND _gw_programs_list "$<TARGET_FILE:${p}>\n")
  endforeach()
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/gw-packaged-programs.txt CONTENT "${_gw_programs_list}")
  set(GW_SHLIBS_DB ${GW_SYSROOT}/.gw-shlibs)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/PackageDepends.cmake.in
                 ${PROJECT_BINARY_DIR}/PackageDepends.cmake @ONLY)
  set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_BINARY_DIR}/PackageDepends.cmake)
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS ${GW_DEB_EXTRA_DEPENDS})
endif()

include(CPack)
