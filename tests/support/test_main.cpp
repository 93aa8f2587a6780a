// One runner for every test executable. CppUTest's own leak detector is off:
// libraries here cache allocations on first use (toml++, std::regex, OpenCV,
// Paho), which it would report as leaks; the dev preset's LeakSanitizer finds
// real leaks instead.
#include <CppUTest/CommandLineTestRunner.h>
#include <CppUTest/MemoryLeakWarningPlugin.h>

int main(int argc, char** argv) {
    MemoryLeakWarningPlugin::turnOffNewDeleteOverloads();
    return CommandLineTestRunner::RunAllTests(argc, argv);
}
