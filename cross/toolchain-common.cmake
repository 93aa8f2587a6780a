# Shared part of the ARM toolchain files. The including file sets
# CMAKE_SYSTEM_PROCESSOR, GW_TRIPLET and GW_QEMU before including this.
#
# The sysroot comes from the cache variable GW_SYSROOT or the environment
# variable GW_SYSROOT (what `cross/sysroot ARCH` prints). It is a Debian 12
# tree extracted by mmdebstrap, so libraries live in usr/lib/<triplet> and
# (bookworm is not fully /usr-merged in an extracted tree) lib/<triplet>.
set(CMAKE_SYSTEM_NAME Linux)

if(NOT GW_SYSROOT AND DEFINED ENV{GW_SYSROOT})
  set(GW_SYSROOT "$ENV{GW_SYSROOT}")
endif()
if(NOT GW_SYSROOT OR NOT EXISTS "${GW_SYSROOT}/usr/lib/${GW_TRIPLET}")
  message(FATAL_ERROR "GW_SYSROOT is not a ${GW_TRIPLET} sysroot: '${GW_SYSROOT}'. "
                      "Build one with: export GW_SYSROOT=$(cross/sysroot ${GW_ARCH_NAME})")
endif()
set(GW_SYSROOT "${GW_SYSROOT}" CACHE PATH "Debian 12 ${GW_TRIPLET} sysroot (cross/sysroot)")
# try_compile() projects re-read this file: hand them the sysroot too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES GW_SYSROOT)

set(CMAKE_SYSROOT "${GW_SYSROOT}")
set(CMAKE_C_COMPILER ${GW_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${GW_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${GW_TRIPLET})

# Headers, libraries and CMake package configs come only from the sysroot;
# programs (pkg-config, the compilers) from the host.
set(CMAKE_FIND_ROOT_PATH "${GW_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config: only the sysroot's .pc files, and their -I/-L prefixed with it.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${GW_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${GW_SYSROOT}/usr/lib/${GW_TRIPLET}/pkgconfig:${GW_SYSROOT}/usr/lib/pkgconfig:${GW_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# The linker must find the libraries that the linked libraries need
# (OpenCV -> ffmpeg -> ...) without them being on the command line.
set(_gw_rpath_link "-Wl,-rpath-link,${GW_SYSROOT}/usr/lib/${GW_TRIPLET}:${GW_SYSROOT}/lib/${GW_TRIPLET}:${GW_SYSROOT}/usr/lib/${GW_TRIPLET}/blas:${GW_SYSROOT}/usr/lib/${GW_TRIPLET}/lapack")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_gw_rpath_link}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_gw_rpath_link}")

# ctest (and add_custom_command on targets) run ARM programs under qemu-user,
# loading the ARM dynamic linker and libraries from the sysroot.
find_program(GW_QEMU_PROGRAM ${GW_QEMU})
if(GW_QEMU_PROGRAM)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${GW_QEMU_PROGRAM};-L;${GW_SYSROOT}")
endif()

# Packaging: the Debian architecture of the .deb (cmake/Packaging.cmake).
set(GW_DEB_ARCH ${GW_DEB_ARCH_NAME})
