#include "sluice/sluice.h"

#ifndef SLUICE_VERSION
#error "SLUICE_VERSION is set by CMake from the project version"
#endif

extern "C" const char* sl_version(void) { return SLUICE_VERSION; }
