# 32-bit ARM gateways (Debian armhf: ARMv7, hard float). Sysroot:
# GW_SYSROOT=$(cross/sysroot armhf)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(GW_TRIPLET arm-linux-gnueabihf)
set(GW_ARCH_NAME armhf)
set(GW_DEB_ARCH_NAME armhf)
set(GW_QEMU qemu-arm)
# GCC notes that std::vector<double> etc. pass differently than with GCC < 7.1.
# Everything here is built by GCC 12 against Debian 12: the note is noise.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
